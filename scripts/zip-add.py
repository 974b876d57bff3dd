#!/usr/bin/env python3
"""Add a directory's files to a deployment zip under a given folder.

    scripts/zip-add.py build/source-cloudtrail.zip rules sources/cloudtrail/rules/custom

adds every file of the directory (not its subdirectories) as `rules/<name>`,
replacing entries of the same name. Standard library only.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2

    archive, folder, directory = Path(argv[0]), argv[1].strip("/"), Path(argv[2])
    if not archive.is_file() or not directory.is_dir():
        print(f"zip-add: need an existing zip and directory, got `{archive}`, `{directory}`",
              file=sys.stderr)
        return 1

    files = sorted(path for path in directory.iterdir() if path.is_file())
    names = {f"{folder}/{path.name}" for path in files}

    with zipfile.ZipFile(archive) as source:
        kept = [(info, source.read(info)) for info in source.infolist() if info.filename not in names]

    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in kept:
            target.writestr(info, data)
        for path in files:
            target.write(path, f"{folder}/{path.name}")

    print(f"zip-add: {len(files)} file(s) under {folder}/ in {archive}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
