"""Data sources and what they share: one module per source (a package for Wind), the
provider interface (base), errors, records (models), HTTP transport with its deadline, and the
exchange calendars (markets). Sources import only this folder and config: never engine/,
analytics/, web/, components/, pages/, Dash or Flask."""
