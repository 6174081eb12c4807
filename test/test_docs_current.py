"""docs/tuning.md's parameter tables match what the nodes declare (regenerated and compared).

Starts every node in lecun_agent/nodes/ in a private ROS domain and reads its parameters
through the parameter services, as `lecun-agent docs --check` does. When this fails, run
`lecun-agent docs --write` (or `python -m lecun_agent.cli.param docs --write`) and commit the page.
"""

from __future__ import annotations

from lecun_agent.tools import param_docs


def test_tuning_page_matches_declared_parameters() -> None:
    page = param_docs.default_page()
    tables = param_docs.collect()
    assert set(tables) == set(param_docs.node_names())
    # A parameter without a description would leave an empty cell; the conventions require one.
    assert [(node, r.name) for node, rows in tables.items() for r in rows if not r.description.strip()] == []
    problem = param_docs.check(page, tables)
    assert problem is None, problem
