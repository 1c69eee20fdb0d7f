// The dashboard's one script, served as /assets/dashboard.js: logs of a running task follow live. The page shows
// the lines stored when it was made; this asks the task's stream for the lines after them (EventSource resumes
// from the last line it got, by Last-Event-ID, when the connection drops). Without script the page still works.

export const LIVE_LOGS_SCRIPT = `
'use strict';
function setStatus(badge, status) {
  if (badge) { badge.textContent = status; badge.className = 'status status-' + status; }
}
document.querySelectorAll('pre[data-stream]').forEach(function (pre) {
  var url = pre.getAttribute('data-stream') + '?from=' + encodeURIComponent(pre.getAttribute('data-next') || '0');
  var source = new EventSource(url);
  var status = document.getElementById(pre.getAttribute('data-status-id') || '');
  source.addEventListener('line', function (event) {
    var line = JSON.parse(event.data);
    var follow = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    pre.appendChild(document.createTextNode(line.content + '\\n'));
    pre.setAttribute('data-next', String(Number(event.lastEventId) + 1));
    if (follow) pre.scrollTop = pre.scrollHeight;
  });
  source.addEventListener('status', function (event) {
    var now = JSON.parse(event.data);
    setStatus(status, now.status);
    setStatus(document.getElementById('run-status'), now.run_status);
  });
  source.addEventListener('end', function (event) {
    source.close();
    pre.removeAttribute('data-stream');
    var end = JSON.parse(event.data);
    setStatus(status, end.status);
    setStatus(document.getElementById('run-status'), end.run_status);
    pre.setAttribute('data-ended', end.status);
  });
});
`;

/** A small icon, so that browsers asking for one get it rather than a 404. */
export const FAVICON_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#0969da"/></svg>';
