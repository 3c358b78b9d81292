// The control relations of a protocol form, evaluated as the observer types.
// The same grammar and the same verdicts as the server's smartvote/protocols/grammar.py and
// forms.py (the form arrives as data from /api/v1/frame; tests/test_observe_pages.py runs both
// evaluators on every spb-2021 protocol and on mutated copies). Parsed, never eval'ed.
"use strict";
const Checks = (() => {
  const TOKEN = /\s*(?:(L\w+)|(choices)|(\d+)|(>=|<=|=|>|<)|([+-])|(when))/y;
  const KINDS = ["line", "choices", "number", "op", "sign", "when"];
  const OPS = {">=": (a, b) => a >= b, "<=": (a, b) => a <= b, "=": (a, b) => a === b,
    ">": (a, b) => a > b, "<": (a, b) => a < b};

  function tokenize(text) {
    const out = [];
    let pos = 0;
    const end = text.trimEnd().length;
    while (pos < end) {
      TOKEN.lastIndex = pos;
      const m = TOKEN.exec(text);
      if (!m) throw new Error(`cannot read ${text.slice(pos).trim()} in ${text}`);
      const i = m.slice(1).findIndex((g) => g !== undefined);
      out.push([KINDS[i], m[i + 1]]);
      pos = TOKEN.lastIndex;
    }
    return out;
  }

  function parse(text) {
    const tokens = tokenize(text);
    let pos = 0;
    const sum = () => {
      const terms = [];
      let sign = 1;
      for (;;) {
        const [kind, word] = tokens[pos] || [];
        if (!["line", "choices", "number"].includes(kind)) throw new Error(`bad term in ${text}`);
        if (kind === "number") terms.push({sign, line: "", value: Number(word)});
        else terms.push({sign, line: kind === "line" ? word.slice(1) : word, value: 0});
        pos += 1;
        if (pos < tokens.length && tokens[pos][0] === "sign") {
          sign = tokens[pos][1] === "-" ? -1 : 1;
          pos += 1;
        } else return terms;
      }
    };
    const comparison = () => {
      const left = sum();
      if (pos >= tokens.length || tokens[pos][0] !== "op") throw new Error(`no comparison in ${text}`);
      const op = tokens[pos][1];
      pos += 1;
      return {left, op, right: sum()};
    };
    const check = comparison();
    let guard = null;
    if (pos < tokens.length && tokens[pos][0] === "when") {
      pos += 1;
      guard = comparison();
    }
    if (pos !== tokens.length) throw new Error(`unexpected ${tokens[pos][1]} in ${text}`);
    return {text, check, guard};
  }

  function value(terms, figures) {
    let total = 0;
    for (const t of terms) {
      if (t.line) {
        const got = figures[t.line];
        if (got === null || got === undefined) return null;
        total += t.sign * got;
      } else total += t.sign * t.value;
    }
    return total;
  }

  function holds(c, figures) {
    const l = value(c.left, figures), r = value(c.right, figures);
    return l === null || r === null ? null : OPS[c.op](l, r);
  }

  const sumText = (terms) => terms.map((t, i) => (t.sign < 0 ? "-" : i ? "+" : "") +
    (t.line ? (t.line === "choices" ? "choices" : "L" + t.line) : String(t.value))).join("");

  // The failure in words, in English exactly as the server says it (forms.py), or in Russian.
  const WORDS = {
    en: {choices: "the choices", line: "line", lines: "lines", sum: "the sum", adds: "add up to",
      but: "but", requires: "the form requires", when: "when", sep: "en-US"},
    ru: {choices: "сумма голосов", line: "строка", lines: "строки", sum: "сумма", adds: "в сумме",
      but: "но", requires: "по форме требуется", when: "при", sep: "ru-RU"},
  };
  function describe(terms, w) {
    const lines = terms.filter((t) => t.line && t.line !== "choices");
    if (terms.length === 1 && terms[0].line === "choices") return w.choices;
    if (terms.length === 1 && lines.length) return `${w.line} ${lines[0].line}`;
    return `${lines.length ? w.lines : w.sum} ${sumText(terms).replaceAll("L", "")}`
      .replaceAll("choices", w.choices);
  }
  const verb = (terms, w) => (terms.length === 1 && terms[0].line !== "choices" ? "=" : w.adds);
  const number = (n, w) => n.toLocaleString(w.sep);

  function message(rel, figures, lang) {
    const w = WORDS[lang] || WORDS.en;
    const {left, op, right} = rel.check;
    const lv = value(left, figures), rv = value(right, figures);
    const rightLines = right.some((t) => t.line);
    let out = rightLines
      ? `${describe(left, w)} ${verb(left, w)} ${number(lv, w)} ${w.but} ${describe(right, w)} ` +
        `${verb(right, w)} ${number(rv, w)} (${w.requires} ${op})`
      : `${describe(left, w)} ${verb(left, w)} ${number(lv, w)}, ${w.but} ${w.requires} ${op} ${number(rv, w)}`;
    if (rel.guard) out += ` ${w.when} ${sumText(rel.guard.left)} ${rel.guard.op} ${sumText(rel.guard.right)}`;
    return out;
  }

  // Every rule on one protocol: lines {id: n|null}, choices {id: n|null}; as Form.check does.
  function check(rules, lines, choices, lang) {
    const figures = {...lines};
    const votes = Object.values(choices);
    figures.choices = votes.some((v) => v === null || v === undefined) ? null : votes.reduce((a, b) => a + b, 0);
    return rules.map(({rule, severity}) => {
      const rel = parse(rule);
      const applies = rel.guard ? holds(rel.guard, figures) : true;
      const ok = holds(rel.check, figures);
      if (applies === null || ok === null) return {rule, severity, status: "not checked", message: ""};
      if (!applies || ok) return {rule, severity, status: "passed", message: ""};
      return {rule, severity, status: "failed", message: message(rel, figures, lang)};
    });
  }
  return {parse, check};
})();
if (typeof self !== "undefined") self.Checks = Checks;
