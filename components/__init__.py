"""The Dash building blocks: widgets (tiles, badges, figures, sections, status table) and the
scene frame and shell that wire pages to the board. May import Dash, engine's read side, analytics
and providers' records; never a source module of providers/."""
