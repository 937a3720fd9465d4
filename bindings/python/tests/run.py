# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs one unittest file for meson: exit 0 when tests passed, 77 (skipped) when every test
was skipped (the reasons printed), 1 on any failure or error."""
import importlib.util
import os
import sys
import unittest


def main():
    path = sys.argv[1]
    sys.path.insert(0, os.path.dirname(path))
    spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
    except unittest.SkipTest as e:
        print("SKIP: %s" % e)
        return 77
    suite = unittest.defaultTestLoader.loadTestsFromModule(mod)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    if not result.wasSuccessful():
        return 1
    if result.testsRun and len(result.skipped) == result.testsRun:
        for test, reason in result.skipped:
            print("SKIP %s: %s" % (test.id(), reason))
        return 77
    return 0


if __name__ == "__main__":
    sys.exit(main())
