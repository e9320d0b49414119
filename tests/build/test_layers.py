"""The libraries' walls, as the build keeps them (docs/architecture.md).

- An include from one library's folder into another's compiles only where
  the library may use the other: each pair is compiled with the flags the
  build gives that library's own files (compile_commands.json).
- No library's object files call a library it may not use, and the files
  of base/ and aws/ call each other without a cycle (nm on the archives).
- Only the files docs/architecture.md names ("Who prints") write to the
  terminal.
"""
import collections
import json
import os
import pathlib
import re
import shlex
import subprocess

import pytest

SOURCE = pathlib.Path(os.environ["SCRIBBLE_SOURCE_DIR"])
BUILD = pathlib.Path(os.environ["SCRIBBLE_BUILD_DIR"])

# What each library may use besides itself: docs/architecture.md's table.
MAY_USE = {
    "base": set(),
    "stack": set(),
    "aws": {"base"},
    "runtime": {"aws", "base", "stack"},
    "provision": {"aws", "base", "stack"},
    "local": {"runtime", "aws", "base", "stack"},
}
# One header of each library to include from the others.
HEADER = {
    "base": "base/buf.h",
    "stack": "stack/description.h",
    "aws": "aws/client.h",
    "runtime": "runtime/canvas.h",
    "provision": "provision/config.h",
    "local": "local/local_app.h",
}
# Library files that may write to the terminal, and why (docs/architecture.md).
PRINTERS = {
    "base/fatal.c": "the last line before abort()",
    "runtime/log.c": "the handlers' log lines",
    "local/local_function.c": "a forked handler that cannot exec says why in its log",
    "provision/session.c": "a verb's errors and warnings",
    "provision/walk_verb.c": "plan, up and status's summary",
    "provision/walk_report.c": "the table and the progress lines",
    "provision/canvas_figures.c": "status's canvas, as text",
}
PRINTING_SYMBOLS = {
    "stdout", "stderr", "printf", "fprintf", "vprintf", "vfprintf", "dprintf", "vdprintf",
    "puts", "fputs", "fputc", "putc", "putchar", "perror", "fwrite", "__printf_chk",
    "__fprintf_chk", "__vfprintf_chk", "__dprintf_chk",
}


def compile_commands():
    with open(BUILD / "compile_commands.json") as f:
        return json.load(f)


def library_command(library):
    """The compiler and flags of one of the library's own files."""
    for entry in compile_commands():
        path = pathlib.Path(entry["file"])
        if f"scribble_{library}.dir" in entry.get("output", entry["command"]) and \
                path.parent == SOURCE / library:
            args = shlex.split(entry["command"])
            kept, skip = [], False
            for arg in args:
                if skip:
                    skip = False
                elif arg in ("-o", "-MF", "-MT", "-c"):
                    skip = arg != "-c"
                elif arg in ("-MD", "-MMD") or arg == entry["file"]:
                    continue
                else:
                    kept.append(arg)
            return kept, entry["directory"]
    raise AssertionError(f"no file of {library}/ in compile_commands.json")


def compiles(library, header, tmp_path):
    args, directory = library_command(library)
    probe = tmp_path / f"{library}_includes.c"
    probe.write_text(f'#include "{header}"\n')
    r = subprocess.run(args + ["-fsyntax-only", str(probe)], cwd=directory,
                       capture_output=True, text=True)
    return r.returncode == 0, r.stderr


@pytest.mark.parametrize("library", sorted(MAY_USE))
def test_a_library_includes_only_what_it_may_use(library, tmp_path):
    for other, header in sorted(HEADER.items()):
        allowed = other == library or other in MAY_USE[library]
        ok, stderr = compiles(library, header, tmp_path)
        if allowed:
            assert ok, f"{library}/ cannot include {header}, which it may use:\n{stderr}"
        else:
            assert not ok, f"{library}/ compiles #include \"{header}\", which it may not use"
            assert f"{header}: No such file or directory" in stderr, stderr


def test_no_include_leaves_its_folder_by_a_relative_path():
    offenders = []
    for folder in MAY_USE:
        for path in sorted((SOURCE / folder).glob("*.[ch]")):
            for n, line in enumerate(path.read_text().splitlines(), 1):
                if re.match(r'\s*#\s*include\s*"[^"]*\.\./', line):
                    offenders.append(f"{path.relative_to(SOURCE)}:{n}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_only_cmd_local_bridges_scribblectl_and_local():
    bridges = [str(p.relative_to(SOURCE)) for p in sorted((SOURCE / "provision").glob("*.[ch]"))
               if re.search(r'#\s*include\s*"local/', p.read_text())]
    assert bridges == ["provision/cmd_local.c"]


def archive_symbols(library):
    """{object: (defined, undefined)} for libscribble_<library>.a."""
    archive = BUILD / f"libscribble_{library}.a"
    assert archive.exists(), f"{archive} is missing: build first"
    objects = collections.defaultdict(lambda: (set(), set()))
    defined = subprocess.run(["nm", "-A", "-g", "--defined-only", str(archive)],
                             capture_output=True, text=True, check=True).stdout
    for line in defined.splitlines():
        where, _, name = line.rsplit(" ", 2)
        objects[where.split(":")[1]][0].add(name)
    undefined = subprocess.run(["nm", "-A", "-u", str(archive)],
                               capture_output=True, text=True, check=True).stdout
    for line in undefined.splitlines():
        where, name = line.split()[0], line.split()[-1]
        objects[where.split(":")[1]][1].add(name)
    return objects


def test_no_library_calls_one_it_may_not_use():
    symbols = {lib: archive_symbols(lib) for lib in MAY_USE}
    owner = {name: lib for lib, objects in symbols.items()
             for defined, _ in objects.values() for name in defined}
    wrong = sorted(f"{lib}/{obj.removesuffix('.o')} calls {name} of {owner[name]}/"
                   for lib, objects in symbols.items()
                   for obj, (_, undefined) in objects.items()
                   for name in undefined
                   if name in owner and owner[name] != lib and owner[name] not in MAY_USE[lib])
    assert not wrong, "\n".join(wrong)


def call_cycles(objects):
    """The groups of files that call each other round (Tarjan's SCC)."""
    owner = {name: obj for obj, (defined, _) in objects.items() for name in defined}
    edges = {obj: {owner[n] for n in undefined if n in owner and owner[n] != obj}
             for obj, (_, undefined) in objects.items()}
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return cycles


def test_call_cycles_are_found():
    a, b, c = ("a.c.o", ({"fa"}, {"fb"})), ("b.c.o", ({"fb"}, {"fc"})), ("c.c.o", ({"fc"}, {"fa"}))
    assert call_cycles(dict([a, b, c])) == [["a.c.o", "b.c.o", "c.c.o"]]
    assert call_cycles(dict([a, b, ("c.c.o", ({"fc"}, set()))])) == []


@pytest.mark.parametrize("library", ["base", "aws"])
def test_files_call_each_other_without_a_cycle(library):
    assert call_cycles(archive_symbols(library)) == []


def test_only_the_front_ends_print():
    printing = []
    for lib in MAY_USE:
        for obj, (_, undefined) in archive_symbols(lib).items():
            source = f"{lib}/{obj.removesuffix('.o')}"
            used = sorted(undefined & PRINTING_SYMBOLS)
            front_end = lib == "provision" and re.fullmatch(r"provision/cmd_\w+\.c", source)
            if used and source not in PRINTERS and not front_end:
                printing.append(f"{source} uses {', '.join(used)}")
    assert not printing, "\n".join(printing)
