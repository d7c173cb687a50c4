"""Files that appear complete or not at all.

A download is written to a hidden `.part` file beside its target and renamed into place only
when every byte has arrived. A failed or interrupted download leaves nothing behind, and a file
that exists under its real name is always complete, so a re-run can trust it and skip it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

PART_PREFIX = ".download-"
PART_SUFFIX = ".part"


@contextmanager
def atomic_file(target: Path) -> Iterator[BinaryIO]:
    """Open a `.part` file for writing; on success rename it to `target`, on any error delete it.

    The `.part` name is short and random rather than `target + ".part"`: the target may already
    use all 255 bytes a name can have, and two runs must never write into the same `.part` file.
    Renaming within one folder is atomic, so readers never see half a file under `target`.
    """
    part = target.with_name(f"{PART_PREFIX}{uuid.uuid4().hex}{PART_SUFFIX}")
    try:
        with part.open("xb") as file:
            yield file
        os.replace(part, target)
    except BaseException:  # including cancellation (Ctrl-C): never leave a partial file
        part.unlink(missing_ok=True)
        raise
