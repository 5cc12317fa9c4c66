"""Container healthcheck: GET a URL, healthy on HTTP 200 (and ``"status": "ok"`` when the body says).

Why a script: the python:slim image has neither curl nor wget, and the API's
``/health`` answers 200 with ``"status": "degraded"`` when the index is not
readable, which must count as unhealthy so dependants keep waiting.

    python deploy/healthcheck.py [URL]    # default http://127.0.0.1:$CCASSIST_PORT/health
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request


def healthy(url: str, timeout: float = 4.0) -> bool:
    """True when ``url`` answers 200 and, if the body is a JSON object with a status, that status is ok."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            if response.status != 200:
                return False
            body = response.read(65536)
    except (urllib.error.URLError, OSError):
        return False
    try:
        data = json.loads(body)
    except ValueError:
        return True  # e.g. Streamlit's /_stcore/health answers plain "ok"
    return not (isinstance(data, dict) and "status" in data and data["status"] != "ok")


if __name__ == "__main__":
    default = f"http://127.0.0.1:{os.environ.get('CCASSIST_PORT', '8000')}/health"
    sys.exit(0 if healthy(sys.argv[1] if len(sys.argv) > 1 else default) else 1)
