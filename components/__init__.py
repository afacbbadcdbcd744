"""The Dash building blocks: widgets (tiles, badges, figures, sections, status table) and the
scene frame and shell that wire pages to the board. May import Dash, config, analytics, the
engine's read side, providers' records, and web.boards and web.callback_guard (the frame and
shell: the board a request serves, refusing a bad callback); never a source module of providers/."""
