"""Start localstripe on 127.0.0.1 only, with its store kept in memory.

localstripe's own launcher binds every interface and pickles its store to /tmp after every
write; CI wants neither. Usage: python scripts/localstripe_loopback.py PORT
"""

import sys

from aiohttp import web
from localstripe import resources
from localstripe.server import app


def main():
    port = int(sys.argv[1])
    # Keep the store in memory: no pickle written after each change.
    resources.Store.dump_to_disk = lambda self: None
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
