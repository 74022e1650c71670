#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Writes the man pages of semcom and each of its subcommands (semcom.1, semcom-simulate.1, ...)
from their --help, so the pages say exactly what the program does.

    /usr/bin/python3 scripts/make_man.py build/apps/semcom build/man [--version 0.1.0]

The build runs it after linking semcom (target man, installed to share/man/man1); `man -l
build/man/semcom-simulate.1` reads one.
"""

import argparse
import os
import re
import subprocess
import sys

SEE_ALSO = ("The user guide: docs/user-guide.md; over the air: hardware/GUIDE.md (installed under "
            "share/doc/gr-semcom); the GNU Radio Companion examples: grc/examples/ (installed under "
            "share/gr-semcom/examples).")


def run_help(program, sub):
    args = [program] + ([sub] if sub else []) + ["--help"]
    result = subprocess.run(args, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (" ".join(args), result.returncode, result.stderr.strip()))
    return result.stdout


def parse(text):
    """CLI11's help: the description, then Usage:, Options: and Subcommands: sections."""
    lines = text.rstrip("\n").split("\n")
    description, sections, current = [], {}, None
    for line in lines:
        header = re.fullmatch(r"(Usage|Options|Subcommands|Positionals):\s*(.*)", line)
        if header:
            current = header.group(1)
            sections[current] = [header.group(2)] if header.group(2) else []
        elif current is None:
            if line.strip():
                description.append(line.strip())
        else:
            sections[current].append(line)
    return " ".join(description), sections


def entries(lines):
    """Option (or subcommand) entries: (name with its type and default, description)."""
    out = []
    for line in lines:
        if not line.strip():
            continue
        m = re.match(r"^  (\S.*?)(?:\s{2,}(\S.*))?$", line)
        if m and not line.startswith("   "):
            out.append([m.group(1).strip(), (m.group(2) or "").strip()])
        elif out:  # a continuation: CLI11 puts long descriptions and lists on lines of their own
            out[-1][1] = (out[-1][1] + "\n" + line.strip()).strip()
    return out


def esc(text):
    """Text for troff: backslashes and hyphens escaped, no line starting with a control character."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join(("\\&" + line) if line.startswith((".", "'")) else line for line in text.split("\n"))


def page(name, sub, description, sections, version, subcommands):
    title = name.upper()
    usage = " ".join(sections.get("Usage", [""])).strip()
    usage = re.sub(r"^\S*semcom", "semcom", usage)
    out = ['.TH "%s" "1" "" "gr-semcom %s" "User Commands"' % (title, version),
           ".SH NAME", "%s \\- %s" % (esc(name), esc(description.split(":")[0] if sub else description)),
           ".SH SYNOPSIS", ".B %s" % esc(usage), ".SH DESCRIPTION", esc(description)]
    options = entries(sections.get("Options", []))
    if options:
        out.append(".SH OPTIONS")
        for opt, text in options:
            out += [".TP", ".B %s" % esc(opt)]
            for k, para in enumerate(text.split("\n")):
                out.append((".br\n" if k else "") + esc(para))
    subs = entries(sections.get("Subcommands", []))
    if subs:
        out.append(".SH COMMANDS")
        for cmd, text in subs:
            out += [".TP", ".B semcom %s" % esc(cmd), esc(text), "See \\fBsemcom\\-%s\\fR(1)." % esc(cmd)]
    out.append(".SH EXIT STATUS")
    out.append("0 on success; non-zero, with one line on standard error naming the problem, on bad input "
               "(a missing or mismatched model, a bad option value, no USRP, CUDA asked for where there is none) "
               "or when a run loses what it must not (see --strict where there is one).")
    out.append(".SH SEE ALSO")
    refs = ["\\fBsemcom\\fR(1)"] if sub else ["\\fBsemcom\\-%s\\fR(1)" % esc(s) for s in subcommands]
    out.append(", ".join(refs) + ".")
    out.append(esc(SEE_ALSO))
    return "\n".join(out) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("program", help="the semcom executable")
    p.add_argument("out_dir", help="where the .1 pages go")
    p.add_argument("--version", default="", help="the version printed in the page footers")
    a = p.parse_args()
    if not os.access(a.program, os.X_OK):
        sys.exit("make_man: '%s' is not an executable" % a.program)
    os.makedirs(a.out_dir, exist_ok=True)
    description, sections = parse(run_help(a.program, None))
    subcommands = [name for name, _ in entries(sections.get("Subcommands", []))]
    written = []
    for sub in [None] + subcommands:
        if sub is None:
            d, s = description, sections
        else:
            d, s = parse(run_help(a.program, sub))
        name = "semcom" if sub is None else "semcom-" + sub
        path = os.path.join(a.out_dir, name + ".1")
        with open(path, "w") as f:
            f.write(page(name, sub, d, s, a.version, subcommands))
        written.append(path)
    print("make_man: %d pages in %s (%s)" % (len(written), a.out_dir, ", ".join(os.path.basename(w) for w in written)))


if __name__ == "__main__":
    main()
