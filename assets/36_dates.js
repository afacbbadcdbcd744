/* The wall's date in the header ("Wed 05 Mar 2025"), in the wall's time zone (settings.wall_tz,
 * on #wb-date as data-tz).
 *
 * formatWallDate is the one rule of components/format.py format_wall_date, kept identical and
 * tested against the same table (tests/components/date_cases.json, by pytest and by node --test,
 * which loads this file as a module). The server renders the date with the page; the header's
 * clientside callback (39_clientside.js, on the carousel's one-second tick) writes it again
 * from the screen's clock, so a wall left running for days turns the date at the zone's
 * midnight, never showing yesterday's.
 *
 * Names are fixed English words, not the browser's locale: ICU versions differ ("Sep" or
 * "Sept"), and the server must write the same text.
 */
(function (wb) {
  "use strict";

  const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]; // getUTCDay order
  const MONTHS = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
  ];
  const DAY_MS = 86400000;
  const formats = {}; // one Intl formatter per zone: building one costs far more than using it

  function formatter(tz) {
    if (!formats[tz]) {
      formats[tz] = new Intl.DateTimeFormat("en-US", {
        timeZone: tz, year: "numeric", month: "numeric", day: "numeric",
      });
    }
    return formats[tz];
  }

  // The local calendar date at `ms` (milliseconds since the epoch) in zone `tz`.
  function localDate(ms, tz) {
    const date = {};
    formatter(tz).formatToParts(new Date(ms)).forEach(function (part) {
      if (part.type === "year" || part.type === "month" || part.type === "day") {
        date[part.type] = parseInt(part.value, 10);
      }
    });
    return date;
  }

  function pad2(number) {
    return (number < 10 ? "0" : "") + number;
  }

  // "Wed 05 Mar 2025": weekday, two-digit day, month, year of the local date in `tz`.
  function formatWallDate(ms, tz) {
    const date = localDate(ms, tz);
    const days = Math.floor(Date.UTC(date.year, date.month - 1, date.day) / DAY_MS);
    const weekday = WEEKDAYS[((days % 7) + 7 + 4) % 7]; // 1 Jan 1970 was a Thursday
    return weekday + " " + pad2(date.day) + " " + MONTHS[date.month - 1] + " " + date.year;
  }

  const dates = { formatWallDate: formatWallDate };
  if (typeof module === "object" && module && module.exports) { module.exports = dates; }
  if (!wb) { return; } // under node: the pure rule only

  // The header's date as of now, or null when the page has no #wb-date[data-tz].
  dates.headerDate = function () {
    const node = document.querySelector(".wb-date[data-tz]");
    const tz = node ? node.getAttribute("data-tz") : null;
    return tz ? formatWallDate(Date.now(), tz) : null;
  };

  wb.dates = dates;
})(typeof window === "object" ? window.wallboard : null);
