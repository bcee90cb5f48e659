"""The command line: click commands, progress bars, the confirmation prompt, console text.

The only package that talks to a terminal. Each command parses its options, loads the config,
calls one library function and maps `BackfillError` to a message and an exit status. May import
every other package; nothing imports it.
"""
