/* The Data view's grid (components/data_view.py): functions dash-ag-grid looks up by name in
 * window.dashAgGridFunctions (it parses a column's or option's {"function": ...} text and calls
 * what it names; nothing is evaluated, so the CSP needs no 'unsafe-eval').
 *
 * wallboardCsvCell guards the grid's CSV export against formula injection: a text cell from a
 * feed (a headline) starting with =, +, -, @, tab or carriage return would run as a formula in
 * a spreadsheet, so it gets a leading apostrophe, as /api/latest/<dataset>.csv does (OWASP's
 * advice). Numbers pass as they are, in JavaScript's shortest round-trip form.
 */
(function () {
  "use strict";

  const FORMULA = /^[=+\-@\t\r]/;

  function csvCell(params) {
    const value = params ? params.value : null;
    if (value === null || value === undefined) { return ""; }
    if (typeof value === "string" && FORMULA.test(value)) { return "'" + value; }
    return String(value);
  }

  window.dashAgGridFunctions = Object.assign({}, window.dashAgGridFunctions, {
    wallboardCsvCell: csvCell,
  });
}());
