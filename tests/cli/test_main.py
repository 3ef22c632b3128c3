"""The `greenmark` group: every command is registered and documents the exit status."""

from greenmark.cli.main import cli


def test_help_lists_every_command_and_the_exit_status(greenmark):
    result = greenmark("--help")
    assert result.exit_code == 0
    for command in ("keys", "apikeys", "generate", "detect", "highlight", "serve"):
        assert command in cli.commands and f"  {command} " in result.stdout
    assert "Exit status" in result.stdout
    assert "1  a watermark found in at least one input" in greenmark("detect", "--help").stdout


def test_every_option_has_help():
    def commands(group):
        for command in group.commands.values():
            yield command
            yield from commands(command) if hasattr(command, "commands") else ()

    for command in commands(cli):
        for parameter in command.params:
            if parameter.param_type_name == "option":
                assert parameter.help, f"{command.name} {parameter.opts}"
