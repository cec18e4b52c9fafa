/* zhinan: readers' words in the search worker (prepended to mkdocs-material's search worker at
   build time, with the table `__zhinanTable` the build writes from guides/synonyms.yml, the
   sectors and OpenCC's traditional → simplified characters; see zhinan/site/mkdocs/search.py).

   query(q, index): the query as the index spells it: full-width forms folded (NFKC), traditional
   characters folded to simplified, readers' words replaced by the guide's, Chinese and Latin or
   digits split where they meet, item ids with or without their hyphen, a sector's name taken out
   of the query to narrow the results to that sector, one character looked for inside words.
   words(found, run, index): the index words of one run of Chinese characters, without question
   words and particles; where the theme finds no segmentation, the longest index words from left
   to right.
   narrow(results): the results inside the sector the query named, without the sector's page.
   after(results): the scored results, a practice after the item it exemplifies.
   group(doc), page(key): the result group of an entry (a checklist item is a group of its own)
   and the page it is shown under. */
var __zhinan = (function (table) {
  "use strict";
  var fold = {};
  for (var i = 0; i + 1 < table.fold.length; i += 2) fold[table.fold[i]] = table.fold[i + 1];
  var stop = {};
  table.stop.forEach(function (w) { stop[w] = true; });
  var synonyms = {};
  Object.keys(table.words).forEach(function (w) { synonyms[w.toLowerCase()] = table.words[w]; });
  var words = Object.keys(synonyms).sort(function (a, b) { return b.length - a.length; });
  var names = [];
  table.sectors.forEach(function (s) { s.names.forEach(function (n) { names.push([n, s.url]); }); });
  names.sort(function (a, b) { return b[0].length - a[0].length; });
  var ids = new RegExp("(^|[^A-Za-z])(" + table.prefixes.join("|") + ")[\\s\\-_]*(\\d{3})(?!\\d)", "gi");
  var HAN = /\p{sc=Han}/u;
  var state = { sector: null, how: false, examples: false, pairs: [], after: {} };
  var HOW = /怎么|怎样|如何|步骤|流程|区别|从哪里|哪些内容/;
  var EXAMPLES = /标杆|做法|经验|案例/;

  function replaceAll(text, from, to) { return text.split(from).join(to); }

  function query(q, index) {
    q = q.normalize("NFKC").toLowerCase();
    q = Array.from(q, function (c) { return fold[c] || c; }).join("");
    state.sector = null;
    state.how = HOW.test(q);
    state.examples = EXAMPLES.test(q);
    state.pairs = [];
    for (var i = 0; i < names.length; i++) {
      var at = q.indexOf(names[i][0].toLowerCase());
      if (at < 0) continue;
      var rest = (q.slice(0, at) + " " + q.slice(at + names[i][0].length)).trim();
      if (rest.replace(/[\s\p{P}]/gu, "") && !state.sector) {
        state.sector = names[i][1];
        q = rest;
      }
      break;
    }
    for (var j = 0; j < words.length; j++) {
      if (q.indexOf(words[j]) >= 0) q = replaceAll(q, words[j], " " + synonyms[words[j]] + " ");
    }
    q = q.replace(/(\p{sc=Han})(?=[A-Za-z0-9])/gu, "$1 ").replace(/([A-Za-z0-9])(?=\p{sc=Han})/gu, "$1 ")
      .replace(/([a-z])(?=[0-9])/g, "$1 ");
    q = q.replace(ids, function (m, before, prefix, number) { return before + prefix + "-" + number; });
    var han = q.replace(/[^\p{sc=Han}]/gu, "");
    if (han.length === 1 && q.trim() === han) {
      var inside = Object.keys(index).filter(function (w) { return w.indexOf(han) >= 0 && w.length <= 6 && w !== han; });
      inside.sort(function (a, b) { return Object.keys(index[b]).length - Object.keys(index[a]).length || a.length - b.length; });
      if (inside.length) q = [han].concat(inside.slice(0, 40)).join(" ");
    }
    return q.trim();
  }

  function segment(run, index) {
    // The longest index words from the left, and from the right: 号文定级 holds 定级 from the right.
    var out = [];
    for (var i = 0; i < run.length;) {
      var j = Math.min(run.length, i + 12);
      while (j > i + 1 && !(run.slice(i, j) in index)) j--;
      if (run.slice(i, j) in index) out.push(run.slice(i, j));
      i = j;
    }
    for (var e = run.length; e > 0;) {
      var b = Math.max(0, e - 12);
      while (b < e - 1 && !(run.slice(b, e) in index)) b++;
      if (run.slice(b, e) in index) out.push(run.slice(b, e));
      e = b;
    }
    return out;
  }

  function wordsOf(found, run, index) {
    var list = Array.from(found);
    if (list.length === 1 && list[0] === run && !(run in index)) list = [];
    list = Array.from(new Set(list.concat(segment(run, index))));
    var kept = list.filter(function (w) { return w && !stop[w]; });
    if (!kept.length) kept = list.filter(function (w) { return w; });
    kept.forEach(function (a) {
      kept.forEach(function (b) { if (a !== b && run.indexOf(a + b) >= 0) state.pairs.push([a, b]); });
    });
    // An index word is looked up as itself ("^1": no trailing wildcard): as a prefix, 隐患 also
    // matched 隐患排查治理, 隐患排查 … and a title holding one long word counted it three times.
    return kept.map(function (w) { return w in index ? w + "^1" : w; });
  }

  function adjacent(metadata, a, b) {
    // Positions are (block << 20 | word): b is the next word after a in some block of a field;
    // side by side in the title counts as the title's boost.
    var pa = metadata[a], pb = metadata[b];
    if (!pa || !pb) return 0;
    return Object.keys(pa).reduce(function (most, field) {
      var next = pb[field] && pb[field].position;
      var near = next && pa[field].position.some(function (p) { return next.indexOf(p + 1) >= 0; });
      return near ? Math.max(most, field === "title" ? table.nearTitle : 1) : most;
    }, 0);
  }

  function twins(results, docs) {
    // The same item in several sectors' checklists (标准化自评和持续改进): the first one found
    // stands for them, the others rank lower, so that the guide's chapters and other items on the
    // topic are not pushed out of the first results by copies of one item.
    var seen = {};
    results.slice().sort(function (a, b) { return b.score - a.score; }).forEach(function (r) {
      var doc = /^sectors\/[^/]+\/#/.test(r.ref) && docs && docs.get(r.ref);
      if (!doc) return;
      var key = doc.title.replace(/<span hidden>.*?<\/span>|<[^>]+>|\u200b/g, "")
        .replace(/^[A-Za-z]+-\d+\s*/, "").replace(/[和与及、，\s]/g, "");
      if (seen[key]) r.score *= table.twins;
      seen[key] = true;
    });
  }

  function narrow(results, docs) {
    var url = state.sector;
    exemplify(results, docs);
    if (!url) twins(results, docs);
    if (state.pairs.length) {
      // The query's words next to each other in an entry, as the reader typed them (安全文明施工费
      // in 安全文明施工措施费), count for more than the same words apart.
      results.forEach(function (r) {
        var m = r.matchData.metadata;
        var near = state.pairs.reduce(function (sum, p) { return sum + adjacent(m, p[0], p[1]); }, 0);
        r.score *= 1 + table.near * near / state.pairs.length;
      });
    }
    if (state.how) {
      // A question of how is answered by the guide's how-to chapters first.
      results.forEach(function (r) { if (r.ref.indexOf("guide/") === 0) r.score *= table.how; });
    }
    if (state.examples) {
      // A query for examples (标杆企业, 做法 …) is answered by the sample enterprises' pages.
      results.forEach(function (r) { if (/\/enterprises\//.test(r.ref)) r.score *= table.examples; });
    }
    if (!url) return results;
    // The sector's entries and pages (its checklist table, its enterprises), but not the top of
    // its own page: 燃气报警器 is answered by RQ-015, 工贸检查清单 by the checklist page.
    var inside = results.filter(function (r) { return r.ref.indexOf(url) === 0 && r.ref !== url; });
    return inside.length ? inside : results;
  }

  // A sample enterprise's practice shows one way of meeting the checklist items it names
  // (对应检查项). Where the query's words in its title are all words of such an item's own
  // requirements (not only of the item's line naming the practice), the item is the answer and
  // the practice an example: the practice and its enterprise's page come right after the item
  // (窑 finds GM-016 before 窑炉燃气泄漏报警与紧急切断联动), unless the query asks for examples.
  // A practice's own words (a slogan: 一瓶一码) still find it first.
  var PRACTICE = /^((sectors\/[^/]+\/)enterprises\/[^/]+\/)#/;
  var MEETS = /对应检查项：([^<]*)/;
  var NAMES_PRACTICES = /<p>\u200b?标杆\u200b?做法[\s\S]*?<\/p>/g;
  function own(doc) {
    return (doc.title + " " + doc.text).replace(NAMES_PRACTICES, "").replace(/\u200b/g, "").toLowerCase();
  }
  function exemplify(results, docs) {
    state.after = {};
    if (state.examples || !docs) return;
    var found = {};
    results.forEach(function (r) { found[r.ref] = true; });
    results.forEach(function (r) {
      var practice = PRACTICE.exec(r.ref), doc = practice && docs.get(r.ref);
      var meets = doc && MEETS.exec(doc.text.replace(/\u200b/g, ""));
      if (!meets) return;
      var metadata = r.matchData.metadata;
      var words = Object.keys(metadata).filter(function (w) { return metadata[w].title; });
      var items = (meets[1].match(/[A-Za-z]+-\d+/g) || []).map(function (id) {
        return practice[2] + "#" + id.toLowerCase();
      }).filter(function (ref) {
        if (!found[ref] || !docs.get(ref)) return false;
        var text = own(docs.get(ref));
        return words.every(function (w) { return text.indexOf(w) >= 0; });
      });
      if (items.length) state.after[r.ref] = items;
    });
  }
  function after(results) {
    var score = {}, cap = {};
    results.forEach(function (r) { score[r.location] = r.score; });
    results.forEach(function (r) {
      var items = state.after[r.location];
      if (!items) return;
      var best = Math.max.apply(null, items.map(function (ref) { return score[ref] || 0; }));
      if (!best) return;
      var page = PRACTICE.exec(r.location)[1];
      r.score = Math.min(r.score, best * table.after);
      cap[page] = Math.max(cap[page] || 0, best * table.after);
    });
    results.forEach(function (r) { if (cap[r.location]) r.score = Math.min(r.score, cap[r.location]); });
    return results;
  }

  // The theme groups the results by page and folds every section of a page but the best under
  // "N more on this page": on a checklist page the other items are separate answers, and the item
  // the reader asked for was hidden behind another item of its sector. Each section of a sector's
  // page is a group of its own, shown under its page's title, in the order of its score.
  var CHECKLIST = /^sectors\/[^/]+\/#/;
  function group(doc) {
    if (!doc.parent) return doc.location;
    return CHECKLIST.test(doc.location) ? doc.parent.location + "\n" + doc.location : doc.parent.location;
  }
  function page(key) { return key.split("\n")[0]; }

  return { query: query, words: wordsOf, narrow: narrow, after: after, group: group, page: page, HAN: HAN };
})(__zhinanTable);
