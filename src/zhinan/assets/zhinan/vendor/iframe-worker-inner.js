/*! iframe-worker 1.0.4 — the part of shim/index.js that ran inline in the worker's iframe, moved to a
   file by zhinan so that the site's Content-Security-Policy allows no inline script. MIT licence:
   iframe-worker-LICENSE.txt. */
(function () {
  "use strict";
  var url = document.currentScript.dataset.url;
  window.postMessage = function (data, origin) { parent.postMessage(data, origin || "*"); };
  window.importScripts = function () {
    return Array.prototype.reduce.call(arguments, function (done, src) {
      return done.then(function () {
        return new Promise(function (resolve) {
          var script = document.createElement("script");
          script.src = src;
          script.onload = resolve;
          document.body.appendChild(script);
        });
      });
    }, Promise.resolve());
  };
  window.addEventListener("error", function (event) {
    parent.dispatchEvent(new ErrorEvent("error", {filename: url, error: event.error}));
  });
})();
