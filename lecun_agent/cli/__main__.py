"""`python -m lecun_agent.cli ...` (what torchrun runs) is `lecun-agent ...`."""

import sys

from lecun_agent.cli import main

sys.exit(main())
