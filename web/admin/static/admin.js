/* The operators' console (/admin): refreshes the screens table every 5 s from
 * /admin/screens.json (the session cookie authenticates it) and says which screens the actions
 * apply to. Everything a screen reported is put in the page as text (textContent), never as
 * markup. Linked with defer; the CSP allows only our own script files.
 */
(function () {
  "use strict";

  const REFRESH_MS = 5000;

  function ago(seconds) {
    const s = Math.max(0, Number(seconds) || 0);
    if (s < 60) return Math.round(s) + " s";
    if (s < 3600) return Math.floor(s / 60) + " min";
    if (s < 86400) return Math.floor(s / 3600) + " h";
    return Math.floor(s / 86400) + " d";
  }

  function cell(tag, text, scope) {
    const element = document.createElement(tag);
    if (scope) element.scope = scope;
    element.textContent = text;
    return element;
  }

  function problemsText(row) {
    let text = row.problems && row.problems.length ? row.problems.join("; ") : "none";
    if (row.last_error) text += " (last error: " + row.last_error + ")";
    return text;
  }

  function screenRow(row, selectable, checked) {
    const tr = document.createElement("tr");
    tr.dataset.id = row.id;
    if (selectable) {
      const td = document.createElement("td");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.name = "screen";
      box.value = row.id;
      box.setAttribute("form", "actions");
      box.setAttribute("aria-label", "Select " + row.label);
      box.checked = checked.has(row.id);
      td.appendChild(box);
      tr.appendChild(td);
    }
    const name = cell("th", row.label + " ", "row");
    const id = cell("small", row.id);
    id.className = "text-body-secondary";
    name.appendChild(id);
    tr.appendChild(name);
    tr.appendChild(cell("td", row.kiosk ? "kiosk" : "interactive"));
    tr.appendChild(cell("td", row.scene));
    tr.appendChild(cell("td", row.release + " · " + (row.release_current ? "current" : "outdated")));
    tr.appendChild(cell("td", ago(row.loaded_ago_s) + " ago"));
    tr.appendChild(cell("td", ago(row.seen_ago_s) + " ago"));
    tr.appendChild(cell("td", row.state === "dark" ? "dark since " + row.dark_since : "live"));
    tr.appendChild(cell("td", problemsText(row)));
    return tr;
  }

  function checkedIds(table) {
    const boxes = table.querySelectorAll("input[name=screen]:checked");
    return new Set(Array.prototype.map.call(boxes, function (box) { return box.value; }));
  }

  function updateTargetNote() {
    const note = document.getElementById("target-note");
    const table = document.getElementById("screens");
    if (!note || !table) return;
    const typed = document.getElementById("targets");
    const names = typed ? typed.value.split(/[\s,]+/).filter(Boolean) : [];
    const count = checkedIds(table).size + names.length;
    note.textContent = count
      ? "Actions apply to " + count + " chosen screen" + (count === 1 ? "" : "s") + "."
      : "Actions apply to all screens.";
  }

  function render(data) {
    const table = document.getElementById("screens");
    if (!table) return;
    const selectable = table.dataset.selectable === "true";
    const checked = checkedIds(table);
    const body = document.createElement("tbody");
    data.screens.forEach(function (row) {
      body.appendChild(screenRow(row, selectable, checked));
    });
    table.replaceChild(body, table.tBodies[0]);
    const summary = document.getElementById("screens-summary");
    if (summary) summary.textContent = data.summary_line;
    const updated = document.getElementById("screens-updated");
    if (updated) updated.textContent = "Updated " + new Date().toLocaleTimeString();
    updateTargetNote();
  }

  function refresh() {
    fetch("/admin/screens.json", { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 401) {
          const updated = document.getElementById("screens-updated");
          if (updated) updated.textContent = "Signed out: reload the page to sign in again.";
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (data) render(data);
      })
      .catch(function () {
        const updated = document.getElementById("screens-updated");
        if (updated) updated.textContent = "The server does not answer; retrying.";
      });
  }

  function start() {
    if (!document.getElementById("screens")) return;
    document.addEventListener("change", updateTargetNote);
    document.addEventListener("input", updateTargetNote);
    window.setInterval(refresh, REFRESH_MS);
  }

  start();
})();
