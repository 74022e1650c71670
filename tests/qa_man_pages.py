#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The man pages of semcom and its subcommands (scripts/make_man.py, built into build/man): one per
subcommand, every option of each --help in its page, valid troff (groff -ww: no warning), and
man renders them."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

SOURCE = os.environ.get("SEMCOM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), ".."))
APP = os.environ.get("SEMCOM_APP", os.path.join(SOURCE, "build", "apps", "semcom"))
BUILT = os.environ.get("SEMCOM_MAN_DIR", "")


def help_text(*args):
    return subprocess.run([APP, *args, "--help"], capture_output=True, text=True, check=True).stdout


def subcommands():
    text = help_text().split("Subcommands:")[1]
    return re.findall(r"^  (\S+)", text, re.M)


class qa_man_pages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = tempfile.mkdtemp()
        subprocess.run(["/usr/bin/python3", os.path.join(SOURCE, "scripts", "make_man.py"), APP, cls.out,
                        "--version", "9.9"], check=True, capture_output=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.out)

    def page(self, name):
        with open(os.path.join(self.out, name + ".1")) as f:
            return f.read()

    def test_a_page_per_subcommand_with_every_option(self):
        subs = subcommands()
        self.assertGreaterEqual(len(subs), 3)
        self.assertEqual(sorted(os.listdir(self.out)), sorted(["semcom.1"] + ["semcom-%s.1" % s for s in subs]))
        for sub in [None] + subs:
            name = "semcom" if sub is None else "semcom-" + sub
            with self.subTest(page=name):
                text = self.page(name)
                for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "SEE ALSO"):
                    self.assertIn(".SH %s" % section, text)
                self.assertIn("gr-semcom 9.9", text)
                options = re.findall(r"^\s+(-[-\w,]+)", help_text(*([sub] if sub else [])), re.M)
                self.assertGreater(len(options), 0)
                for opt in options:
                    self.assertIn(opt.replace("-", "\\-"), text)

    def test_groff_finds_nothing_to_warn_about_and_man_renders(self):
        for page in sorted(os.listdir(self.out)):
            with self.subTest(page=page):
                path = os.path.join(self.out, page)
                check = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", path], capture_output=True, text=True)
                self.assertEqual((check.returncode, check.stderr), (0, ""))
                shown = subprocess.run(["man", "-l", path], capture_output=True, text=True,
                                       env=dict(os.environ, MANWIDTH="100", MANPAGER="cat", PAGER="cat"))
                self.assertEqual(shown.returncode, 0, shown.stderr)
                self.assertIn("NAME", shown.stdout)
                self.assertIn(page[:-2].replace("-", " ", 1) if page != "semcom.1" else "semcom", shown.stdout)

    def test_the_build_made_them(self):
        # the man target runs with the build (ALL): the pages are there for install
        if not BUILT:
            self.skipTest("not run from the build (SEMCOM_MAN_DIR unset)")
        self.assertTrue(os.path.isfile(os.path.join(BUILT, "semcom-simulate.1")))

    def test_a_bad_program_is_one_line_and_non_zero(self):
        result = subprocess.run(["/usr/bin/python3", os.path.join(SOURCE, "scripts", "make_man.py"),
                                 "/nonexistent/semcom", self.out], capture_output=True, text=True)
        self.assertNotEqual(result.returncode, 0)
        self.assertEqual(result.stderr.strip(), "make_man: '/nonexistent/semcom' is not an executable")


if __name__ == "__main__":
    unittest.main()
