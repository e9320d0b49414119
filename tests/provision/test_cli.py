"""scribblectl's command line as docs/cli.md describes it: --help for
scribblectl and each command, --version, the exit statuses, refusals of bad
options, `validate --output json` against docs/cli.schema.json, and the
bash and zsh completion scripts run in their shells. No AWS is needed."""
import json
import os
import re
import shutil
import subprocess

import jsonschema
import pytest

SCRIBBLECTL = os.environ["SCRIBBLECTL"]
SOURCE = os.environ["SCRIBBLE_SOURCE_DIR"]
HANDLERS = ("connect", "disconnect", "send", "broadcast", "catchup", "snapshot", "save", "figures")


def run(*args, cwd=None):
    return subprocess.run([SCRIBBLECTL, *args], capture_output=True, text=True, cwd=cwd, timeout=30)


def docs_table(heading):
    """The rows of the first table under `## heading` in docs/cli.md, as lists of cells."""
    with open(os.path.join(SOURCE, "docs", "cli.md")) as f:
        text = f.read()
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows[2:]]


def documented_commands():
    """{command: [option, ...]} from the commands table."""
    commands = {}
    for cells in docs_table("Commands"):
        name = cells[0].strip("`")
        commands[name] = re.findall(r"`(--[a-z-]+|-[a-z])", cells[2])
    return commands


def schema_for(verb):
    with open(os.path.join(SOURCE, "docs", "cli.schema.json")) as f:
        schema = json.load(f)
    return {**schema, "$ref": f"#/$defs/{verb}"}


def check_document(verb, text):
    doc = json.loads(text)
    jsonschema.validate(doc, schema_for(verb), cls=jsonschema.Draft202012Validator)
    return doc


def test_version_is_the_projects():
    with open(os.path.join(SOURCE, "CMakeLists.txt")) as f:
        version = re.search(r"project\(scribble VERSION (\S+)", f.read()).group(1)
    result = run("--version")
    assert (result.returncode, result.stdout, result.stderr) == (0, f"scribblectl {version}\n", "")


def test_help_lists_every_documented_command_and_the_exit_statuses():
    result = run("--help")
    assert result.returncode == 0 and result.stderr == ""
    listed = re.findall(r"^  (\w+) +\S", result.stdout.split("commands:\n")[1].split("\n\n")[0], re.M)
    assert listed == list(documented_commands())
    statuses = re.findall(r"^  (\d)  (.+)$", result.stdout.split("exit status:\n")[1], re.M)
    assert [int(n) for n, _ in statuses] == [int(cells[0]) for cells in docs_table("Exit status")]
    for option in ("--config", "--region", "--profile", "--endpoint-url", "--debug", "--version"):
        assert option in result.stdout
    assert run("help").stdout == result.stdout


@pytest.mark.parametrize("command", list(documented_commands()))
def test_each_command_describes_itself(command):
    result = run(command, "--help")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert result.stdout.startswith(f"usage: scribblectl [global options] {command}")
    for option in documented_commands()[command]:
        assert re.search(rf"^  .*{re.escape(option)}\b", result.stdout, re.M), (option, result.stdout)
    assert "exit status:" in result.stdout
    assert run("help", command).stdout == result.stdout
    assert run(command, "-h").stdout == result.stdout


@pytest.mark.parametrize("command", [c for c in documented_commands() if c not in ("help", "completion")])
def test_unknown_option_is_refused_with_what_is_allowed(command, tmp_path):
    result = run(command, "--frobnicate", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"scribblectl {command}: --frobnicate: allowed: "), result.stderr
    for option in documented_commands()[command]:
        if option.startswith("--"):
            assert option in first
    assert f"usage: scribblectl [global options] {command}" in result.stderr


@pytest.mark.parametrize("args, refusal", [
    (["status", "--output", "xml"], "scribblectl status: --output xml: allowed: --output text|json"),
    (["status", "--output=yaml"], "scribblectl status: --output yaml: allowed: --output text|json"),
    (["plan", "--output"], "scribblectl plan: --output: allowed: --output text|json"),
    (["down", "--yes=1"], "scribblectl down: --yes=1: allowed: --yes, --output text|json"),
    (["status", "--interval", "5"], "scribblectl status: --interval: allowed only with --watch"),
    (["status", "--data-dir", "d"], "scribblectl status: --data-dir: allowed only with --local"),
    (["logs", "--data-dir", "d"], "scribblectl logs: --data-dir: allowed only with --local"),
    (["redeploy"], "scribblectl redeploy: needs <handler>|all"),
    (["redeploy", "send", "save"], "scribblectl redeploy: save: takes <handler>|all"),
    (["doctor", "extra"], "scribblectl doctor: extra: takes no operands"),
    (["completion", "fish"], "scribblectl completion: 'fish': allowed: bash, zsh"),
    (["help", "paint"], "scribblectl help: 'paint' is not a command"),
    (["paint"], "scribblectl: 'paint' is not a command"),
    (["--colour", "status"], "scribblectl: --colour: allowed: --config FILE, --region REGION"),
])
def test_bad_command_lines_are_usage_errors(args, refusal, tmp_path):
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(refusal), result.stderr
    assert result.stdout == ""


def test_validate_json_when_valid(tmp_path):
    (tmp_path / "scribble.ini").write_text("[stack]\nname = wall\n[canvas]\nwidth = 320\nheight = 200\n")
    result = run("validate", "--output", "json", cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    doc = check_document("validate", result.stdout)
    assert doc["valid"] and doc["errors"] == [] and doc["stack"] == "wall"
    assert (doc["canvas"]["width"], doc["canvas"]["height"]) == (320, 200)
    assert doc["region"] is None
    region = run("--region", "eu-west-1", "validate", "--output=json", cwd=tmp_path)
    assert check_document("validate", region.stdout)["region"] == "eu-west-1"
    after = run("validate", "--output=json", "--region", "eu-west-2", cwd=tmp_path)  # globals after the verb
    assert check_document("validate", after.stdout)["region"] == "eu-west-2"


def test_operands_after_a_double_dash(tmp_path):
    (tmp_path / "-odd.ini").write_text("[stack]\nname = odd\n")
    result = run("validate", "--", "-odd.ini", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("-odd.ini: OK (stack odd"), result.stderr
    assert run("status", "--version").stdout == run("--version").stdout


def test_validate_json_lists_every_error(tmp_path):
    (tmp_path / "bad.ini").write_text("[canvas]\nwidth = -3\ndepth = 3\n")
    result = run("validate", "--output", "json", "bad.ini", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr == ""
    doc = check_document("validate", result.stdout)
    assert not doc["valid"] and "stack" not in doc
    assert [e.split(":")[:3] for e in doc["errors"]] == [["bad.ini", "2", " canvas.width"],
                                                         ["bad.ini", "3", " canvas.depth"]]
    text = run("validate", "bad.ini", cwd=tmp_path)
    assert text.stderr.splitlines() == doc["errors"]


def test_schema_refuses_what_it_should():
    """The schema is not vacuous: a document missing a field or with a stray one fails."""
    good = {"file": "a.ini", "valid": False, "errors": ["a.ini:1: x"]}
    jsonschema.validate(good, schema_for("validate"), cls=jsonschema.Draft202012Validator)
    for bad in ({**good, "errors": []}, {**good, "extra": 1}, {"file": "a.ini", "valid": True, "errors": []}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema_for("validate"), cls=jsonschema.Draft202012Validator)


# -- completion --------------------------------------------------------------------------

def bash_complete(script, *words, cwd=None):
    """COMPREPLY for the command line `words` with the cursor on its last word."""
    words = ["scribblectl", *words]
    program = (f"{script}\nCOMP_WORDS=({' '.join(repr(w) for w in words)})\n"
               f"COMP_CWORD={len(words) - 1}\n_scribblectl\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n")
    result = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], capture_output=True,
                            text=True, timeout=30, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return sorted(filter(None, result.stdout.splitlines()))


def test_bash_completion(tmp_path):
    script = run("completion", "bash").stdout
    assert "complete -F _scribblectl scribblectl" in script
    commands = list(documented_commands())
    assert bash_complete(script, "") == sorted(commands)
    assert bash_complete(script, "re") == ["redeploy"]
    assert bash_complete(script, "--reg") == ["--region"]
    assert "--version" in bash_complete(script, "-")
    assert bash_complete(script, "-c", "x.ini", "sta") == ["status"]
    assert bash_complete(script, "status", "--output", "") == ["json", "text"]
    globals_ = ["--config", "--debug", "--endpoint-url", "--profile", "--region", "--version", "-c"]
    assert bash_complete(script, "status", "-") == sorted(
        ["--data-dir", "--help", "--interval", "--local", "--output", "--watch", *globals_])
    assert bash_complete(script, "down", "-") == sorted(["--help", "--output", "--yes", "-y", *globals_])
    assert bash_complete(script, "down", "--region", "") == []
    (tmp_path / "wall.ini").write_text("")
    assert bash_complete(script, "down", "--config", "", cwd=tmp_path) == ["wall.ini"]
    assert bash_complete(script, "validate", "w", cwd=tmp_path) == ["wall.ini"]
    assert bash_complete(script, "redeploy", "") == sorted([*HANDLERS, "all"])
    assert bash_complete(script, "redeploy", "s") == ["save", "send", "snapshot"]
    assert bash_complete(script, "local", "--port", "") == []
    assert bash_complete(script, "help", "up") == ["up"]
    assert bash_complete(script, "completion", "") == ["bash", "zsh"]


@pytest.mark.skipif(not shutil.which("zsh"), reason="zsh is not installed (scripts/setup installs it)")
def test_zsh_completion(tmp_path):
    script = tmp_path / "_scribblectl"
    script.write_text(run("completion", "zsh").stdout)
    assert script.read_text().startswith("#compdef scribblectl\n")
    syntax = subprocess.run(["zsh", "-n", str(script)], capture_output=True, text=True, timeout=30)
    assert syntax.returncode == 0, syntax.stderr
    # _arguments and _describe stand in for zsh's: they print what they are given, so each
    # command's specs can be read; -C sets the state the script dispatches on. Sourcing the
    # script runs _scribblectl once, as zsh's completion system does.
    stubs = ('_describe() { print -l -- "${(@P)4}" }\n'
             '_arguments() { if [[ $1 == -C ]]; then state=$STATE; else print -l -- "$@"; fi }\n'
             '_files() { }\n')

    def specs(state, *words):
        program = f"{stubs}words=({' '.join(words)})\nsource {script}\n"
        result = subprocess.run(["zsh", "-f", "-c", program], capture_output=True, text=True,
                                env={**os.environ, "STATE": state}, timeout=30)
        assert result.returncode == 0, result.stderr
        return result.stdout.splitlines()

    commands = [line.split(":")[0] for line in specs("command")]
    assert commands == list(documented_commands())
    redeploy = specs("args", "redeploy")
    assert ":handler:( " + " ".join(HANDLERS) + " all)" in redeploy, redeploy
    assert ("--output[text (the default) or json  one JSON document on stdout (docs/cli.md)]"
            ":FORMAT:(text json)") in redeploy, redeploy
    local = specs("args", "local")
    assert any(s.startswith("--port[") for s in local) and any(s.startswith("--data-dir[") for s in local)
