"""`lecun-agent bench`: speed, scale and competence, measured side by side in one run.

Each part is one module with `run(quick: bool, out: Path) -> dict`: it measures, writes its PNG
plots under `out`, and returns its section of results.json (plain JSON types only):

  machine     CPU model, cores, torch version, date                      (machine.py)
  planner     our planner against a plain loop, pytorch-mppi and TorchRL  (planner.py, peers.py)
  stack       the full stack in real time: camera->cmd_vel latency, rates (stack.py)
  sim_rtf     simulation real-time factor by camera size                  (sim_speed.py)
  learning    collection and training throughput, time to quality         (learning.py)
  competence  `lecun-agent eval` for every agent on the same seeds        (competence.py)
  scaling     planning time and success against obstacles and distance    (scaling.py)

report.py turns results.json into results.md and the README's tables.
"""
