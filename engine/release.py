"""The release a process serves: what a screen says it shows, so the console can tell a screen
still running the page of an earlier deploy.

`WALLBOARD_RELEASE` names it when the deploy sets one (a tag, a commit). Otherwise it is the
package version and a digest of the code and assets the process loaded, so any change a deploy
brings (Python or browser code) gives a new release without anyone naming it.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RELEASE_ENV = "WALLBOARD_RELEASE"
CODE = ("*.py", "assets/*", "components/*.py", "config/*.py", "engine/*.py", "pages/*.py")
CODE += ("providers/*.py", "analytics/*.py", "web/*.py")


@cache
def release_id() -> str:
    """This process's release: WALLBOARD_RELEASE, else "<version>+<digest of the code>"."""
    named = os.environ.get(RELEASE_ENV, "").strip()
    if named:
        return named[:64]
    try:
        version = metadata.version("market-wallboard")
    except metadata.PackageNotFoundError:
        version = "0"
    digest = hashlib.sha256()
    for path in sorted(p for pattern in CODE for p in ROOT.glob(pattern) if p.is_file()):
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return f"{version}+{digest.hexdigest()[:8]}"
