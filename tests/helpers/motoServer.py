"""
`python3 -m moto.server` for the tests, with four of its costs removed and its behaviour unchanged. Measured with a
stack sampler over `npm test`, these were most of moto's CPU (about 20 CPU-seconds of a run on 2 cores):

- EventBridge renders every event it delivers through its default input template, parsing eight JSONPath strings
  with jsonpath_ng; each parse builds a new yacc parser (about 45 ms), so one delivery to SQS cost about 0.37 s.
  A parsed expression is immutable and `find` does not change it: parse each distinct path once.
- Every request lists moto's package folder (a listdir and ~170 stats) to route the host; the list never changes.
- werkzeug logs every request through colorama to a stdout nobody reads (the tests ignore it).
- SNS signs deliveries with a new 2048-bit RSA key per subscription; one key serves them all (nothing here checks
  SNS signatures against a per-subscription certificate).

Usage: python3 tests/helpers/motoServer.py -H 127.0.0.1 -p <port>   (the same arguments as moto.server)
"""
import functools
import logging
import sys

import moto.backends
from moto.server import main

try:
    import jsonpath_ng.ext

    # moto imports `parse` from this module at call time, so the cached one is what it gets.
    jsonpath_ng.ext.parse = functools.lru_cache(maxsize=1024)(jsonpath_ng.ext.parse)
except ImportError:  # a moto without jsonpath_ng: nothing to speed up
    pass

# Asked on every request (a listdir and ~170 stats); the answer never changes while the server runs.
_MOTO_MODULES = tuple(moto.backends.list_of_moto_modules())
moto.backends.list_of_moto_modules = lambda: iter(_MOTO_MODULES)

# werkzeug logs each request through colorama to a stdout nobody reads.
logging.getLogger("werkzeug").setLevel(logging.WARNING)

try:
    from moto.sns.models import Subscription

    # moto signs SNS deliveries with a new 2048-bit RSA key per subscription; one key serves them all.
    _signing_key = functools.lru_cache(maxsize=1)(Subscription.private_key.__wrapped__)
    Subscription.private_key = lambda self: _signing_key(None)
except (ImportError, AttributeError):
    pass

if __name__ == "__main__":
    main(sys.argv[1:])
