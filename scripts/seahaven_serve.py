"""Serves the seahaven-stripe-world HTTP API: each account is a world at /worlds/{id}/.

Usage: python scripts/seahaven_serve.py --port PORT [seahaven.http options]
The sources must import on this Python (see scripts/seahaven_py313.py).
"""

import sys

from seahaven.http import main
from seahaven_stripe_world import world
from seahaven_stripe_world.http_api.handler import handle

if __name__ == "__main__":
    main(world, handle, sys.argv[1:])
