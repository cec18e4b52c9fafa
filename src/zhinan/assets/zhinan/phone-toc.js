// zhinan: below 960 px mkdocs-material hides the page's table of contents, and its drawer shows
// none for a sector page (a section index): a 30-item sector page is 26,000 px of scrolling. Long
// pages get the same contents as a folding list under their title; CSS shows it on narrow screens.
(function () {
  "use strict";
  var MIN_LINKS = 4;
  var toc = document.querySelector("nav.md-nav--secondary ul[data-md-component='toc']");
  var title = document.querySelector("article.md-content__inner h1");
  if (!toc || !title || toc.querySelectorAll("a[href^='#']").length < MIN_LINKS) return;

  function copy(list) {
    var ul = document.createElement("ul");
    Array.prototype.forEach.call(list.children, function (item) {
      var link = item.querySelector(":scope > a[href^='#']");
      if (!link) return;
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = link.getAttribute("href");
      a.textContent = link.textContent.trim();
      li.appendChild(a);
      var sub = item.querySelector(":scope > nav > ul");
      if (sub) li.appendChild(copy(sub));
      ul.appendChild(li);
    });
    return ul;
  }

  var details = document.createElement("details");
  details.className = "zn-phone-toc";
  var summary = document.createElement("summary");
  summary.textContent = "本页目录";
  var nav = document.createElement("nav");
  nav.setAttribute("aria-label", "本页目录");
  nav.appendChild(copy(toc));
  details.appendChild(summary);
  details.appendChild(nav);
  details.addEventListener("click", function (event) {
    if (event.target instanceof Element && event.target.closest("nav a")) details.open = false;
  });
  var after = title.nextElementSibling && title.nextElementSibling.matches(".zn-meta, .zn-breadcrumbs")
    ? title.nextElementSibling : title;
  after.insertAdjacentElement("afterend", details);
})();
