/*
 * Heads-down entry of a paper form (entry.html): Enter moves to the next
 * input that applies, Shift+Enter back; codes are typed; a multi-select
 * input toggles an option per code typed; the skip logic runs on every
 * keystroke (expressions.js) and hidden items are cleared and disabled,
 * so the browser does not send them. The server decides what is stored.
 */
(function () {
  "use strict";

  const X = window.DtgxExpressions;
  const form = document.getElementById("entry-form");
  const configNode = document.getElementById("entry-config");
  if (!X || !form || !configNode) return;

  const config = JSON.parse(configNode.textContent);
  const params = X.paramsFromJson(config.skip.params);
  const derived = {};
  for (const [name, typed] of Object.entries(config.derived)) {
    derived[name] = X.fromJson(typed);
  }
  const text = config.messages;

  function inputOf(id) {
    return document.getElementById("f-" + id);
  }

  function rowOf(id) {
    return form.querySelector('[data-item="' + id + '"]');
  }

  function fold(value) {
    return value.normalize("NFKC").trim();
  }

  // --- reading an input ----------------------------------------------------

  const COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/;
  const WRITTEN_DATE = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/;

  function isoDate(raw) {
    const match = COMPACT_DATE.exec(raw) || WRITTEN_DATE.exec(raw);
    if (!match) return null;
    const [year, month, day] = match.slice(1).map(Number);
    const when = new Date(Date.UTC(year, month - 1, day));
    if (when.getUTCFullYear() !== year || when.getUTCMonth() !== month - 1 ||
        when.getUTCDate() !== day) {
      return null;
    }
    const pad = (n, width) => String(n).padStart(width, "0");
    return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2);
  }

  function codesIn(raw, item) {
    const tokens = raw.split(/[\s,，、;；/]+/).filter(Boolean);
    const singleDigit = item.codes.every((code) => code < 10);
    const parts = singleDigit ? tokens.join("").split("") : tokens;
    if (!parts.every((part) => /^\d+$/.test(part))) return null;
    return Array.from(new Set(parts.map(Number))).sort((a, b) => a - b);
  }

  /** [value for the evaluator, message or ""] of an item's input. */
  function read(id) {
    const item = config.items[id];
    const raw = fold(inputOf(id).value);
    if (raw === "") return [null, ""];
    switch (item.type) {
      case "code":
        if (!/^\d+$/.test(raw)) return [null, text.notACode];
        if (!item.codes.includes(Number(raw))) {
          return [X.integer(raw), text.unknownCode.replace("{code}", raw)];
        }
        return [X.integer(raw), ""];
      case "multi": {
        const codes = codesIn(raw, item);
        if (codes === null) return [null, text.notACode];
        const unknown = codes.find((code) => !item.codes.includes(code));
        const message = unknown === undefined
          ? "" : text.unknownCode.replace("{code}", unknown);
        return [codes, message];
      }
      case "integer":
        if (!/^-?\d+$/.test(raw)) return [null, text.notAnInteger];
        return [X.integer(raw), rangeMessage(item, BigInt(raw))];
      case "decimal":
        try {
          return [X.decimal(raw), ""];
        } catch (error) {
          return [null, text.notAnInteger];
        }
      case "date": {
        const iso = isoDate(raw);
        return iso ? [X.date(iso), ""] : [null, text.notADate];
      }
      case "identifier": {
        const value = raw.replace(/ /g, "").toUpperCase();
        const ok = !item.pattern || new RegExp(item.pattern).test(value);
        return [value, ok ? "" : text.badIdentifier];
      }
    }
    return [inputOf(id).value.trim() || null, ""];
  }

  function rangeMessage(item, value) {
    const low = item.min === null ? null : BigInt(item.min);
    const high = item.max === null ? null : BigInt(item.max);
    if ((low !== null && value < low) || (high !== null && value > high)) {
      return text.outOfRange
        .replace("{min}", item.min === null ? "" : item.min)
        .replace("{max}", item.max === null ? "" : item.max);
    }
    return "";
  }

  /** The canonical text of an input, to tell a changed answer. */
  function canonical(id, raw) {
    const item = config.items[id];
    const folded = fold(raw);
    if (item.type === "multi") {
      const codes = codesIn(folded, item);
      return codes === null ? folded : codes.join(" ");
    }
    if (item.type === "date") return isoDate(folded) || folded;
    if (item.type === "code" && /^\d+$/.test(folded)) {
      return String(Number(folded));
    }
    if (item.type === "identifier") return folded.replace(/ /g, "").toUpperCase();
    return item.type === "text" ? raw.trim() : folded;
  }

  // --- skip logic ------------------------------------------------------------

  function currentValues() {
    const values = {};
    for (const id of Object.keys(config.items)) {
      values[id] = inputOf(id) ? read(id)[0] : null;
    }
    return values;
  }

  /** Show what applies, hide the rest; again while a returning item
   * brings back an answer that may open further items. */
  function applySkipLogic() {
    let relevant;
    let restored = true;
    for (let pass = 0; restored && pass < 50; pass++) {
      relevant = X.relevantItems(config.skip, currentValues(), derived, params);
      restored = false;
      for (const id of Object.keys(config.items)) {
        restored = showItem(id, relevant.has(id)) || restored;
      }
    }
    for (const [sectionId, ids] of Object.entries(config.sections)) {
      const section = form.querySelector('[data-section="' + sectionId + '"]');
      const open = ids.some((id) => relevant.has(id));
      section.classList.toggle("skipped", !open);
      section.querySelector(".skip-note").hidden = open;
    }
  }

  // What a hidden item held, given back if it applies again before the
  // save: a slip on R7 must not wipe the answers of three sections.
  const setAside = new Map();

  /** Show or hide one item; whether an answer set aside came back. */
  function showItem(id, shown) {
    const row = rowOf(id);
    const input = inputOf(id);
    if (!row || !input || row.hidden === !shown) return false;
    row.hidden = !shown;
    if (input.readOnly) return false;
    input.disabled = !shown;
    const restored = shown && setAside.has(id);
    if (restored) {
      input.value = setAside.get(id);
      setAside.delete(id);
    } else if (!shown) {
      if (input.value !== "") setAside.set(id, input.value);
      input.value = "";
      showMessage(id, "");
    }
    refreshChips(id);
    markChange(id);
    return restored;
  }

  // --- messages and the changed marker --------------------------------------

  function showMessage(id, message) {
    const row = rowOf(id);
    const list = row.querySelector(".client-error");
    list.textContent = message;
    list.hidden = message === "";
    row.classList.toggle("has-error", message !== "" ||
      row.querySelector(".errorlist li") !== null);
  }

  function markChange(id) {
    const input = inputOf(id);
    const initial = input.dataset.initial || "";
    const now = canonical(id, input.value);
    const compared = config.markAllChanges || initial !== "";
    const changed = compared && !input.readOnly &&
      now !== canonical(id, initial);
    rowOf(id).classList.toggle("changed", changed);
    rowOf(id).querySelector(".changed-mark").hidden = !changed;
  }

  // --- multi-select inputs -----------------------------------------------------

  const buffers = new Map();

  function refreshChips(id) {
    const item = config.items[id];
    if (item.type !== "multi") return;
    const codes = codesIn(fold(inputOf(id).value), item) || [];
    for (const chip of rowOf(id).querySelectorAll(".chip")) {
      const on = codes.includes(Number(chip.dataset.code));
      chip.classList.toggle("on", on);
      chip.setAttribute("aria-pressed", on ? "true" : "false");
    }
  }

  function toggleCode(id, code) {
    const item = config.items[id];
    const input = inputOf(id);
    let codes = codesIn(fold(input.value), item) || [];
    if (codes.includes(code)) {
      codes = codes.filter((c) => c !== code);
    } else if (item.exclusive.includes(code)) {
      codes = [code];
    } else {
      codes = codes.filter((c) => !item.exclusive.includes(c)).concat([code]);
    }
    input.value = codes.sort((a, b) => a - b).join(" ");
    changed(id);
  }

  /** Digits toggle options; a multi-digit code toggles once it is whole. */
  function multiKey(id, event) {
    const item = config.items[id];
    const input = inputOf(id);
    if (event.key === "Backspace" || event.key === "Delete") {
      event.preventDefault();
      const codes = codesIn(fold(input.value), item) || [];
      input.value = codes.slice(0, -1).join(" ");
      buffers.delete(id);
      changed(id);
      return;
    }
    if (event.key.length !== 1 || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    const digit = fold(event.key);
    if (!/^\d$/.test(digit)) return;
    const typed = (buffers.get(id) || "") + digit;
    const longer = item.codes.some(
      (code) => String(code).startsWith(typed) && String(code) !== typed,
    );
    if (item.codes.includes(Number(typed)) && !longer) {
      buffers.delete(id);
      toggleCode(id, Number(typed));
    } else if (longer) {
      buffers.set(id, typed);
    } else {
      buffers.delete(id);
      showMessage(id, text.unknownCode.replace("{code}", typed));
    }
  }

  // --- moving between inputs ------------------------------------------------------

  function stops() {
    const inputs = form.querySelectorAll(
      "input[data-stop]:not([disabled]):not([readonly]), button[type=submit]",
    );
    return Array.from(inputs).filter((node) => !node.closest("[hidden]"));
  }

  function move(from, step) {
    const list = stops();
    const here = list.indexOf(from);
    const target = list[Math.max(0, Math.min(list.length - 1, here + step))];
    if (target && target !== from) focusOn(target);
  }

  /** Focus an input and keep it mid-screen, clear of the sticky buttons,
   * where the eye finds it when it comes back from the paper. */
  function focusOn(node) {
    node.focus({ preventScroll: true });
    node.scrollIntoView({ block: "center" });
    if (node.select) node.select();
  }

  function onKeyDown(event) {
    const node = event.target;
    const id = node.dataset ? node.dataset.itemId : undefined;
    if (id && config.items[id].type === "multi" && event.key !== "Enter" &&
        event.key !== "Tab") {
      multiKey(id, event);
      return;
    }
    if (event.key !== "Enter" || event.isComposing) return;
    if (node.tagName === "BUTTON") return; // Enter on a button submits
    event.preventDefault();
    if (event.shiftKey) {
      move(node, -1);
      return;
    }
    if (id) {
      const message = read(id)[1];
      showMessage(id, message);
      if (message) {
        node.select();
        return;
      }
      tidy(id);
    }
    move(node, 1);
  }

  /** Show a typed date the way it is stored, once it is read. */
  function tidy(id) {
    const input = inputOf(id);
    if (config.items[id].type === "date") {
      const iso = isoDate(fold(input.value));
      if (iso) input.value = iso;
    }
  }

  function changed(id) {
    const message = read(id)[1];
    if (!message) showMessage(id, "");
    refreshChips(id);
    markChange(id);
    applySkipLogic();
  }

  // --- wiring -----------------------------------------------------------------------

  form.addEventListener("keydown", onKeyDown);
  form.addEventListener("input", (event) => {
    const id = event.target.dataset ? event.target.dataset.itemId : undefined;
    if (id) changed(id);
  });
  form.addEventListener("focusout", (event) => {
    const id = event.target.dataset ? event.target.dataset.itemId : undefined;
    if (id && fold(event.target.value) !== "") {
      showMessage(id, read(id)[1]);
      tidy(id);
    }
  });
  form.addEventListener("click", (event) => {
    const chip = event.target.closest(".chip");
    if (!chip) return;
    const id = chip.closest("[data-item]").dataset.item;
    if (!inputOf(id).disabled) toggleCode(id, Number(chip.dataset.code));
    inputOf(id).focus();
  });

  // --- the batch: collector and date from the previous form of the tab ----

  const CARRY_KEY = "dtgx-entry-carried";

  function carryOver() {
    const ids = config.carried.filter((id) => inputOf(id));
    if (!ids.length) return;
    let saved = {};
    try {
      saved = JSON.parse(window.sessionStorage.getItem(CARRY_KEY) || "{}");
    } catch (error) {
      saved = {};
    }
    for (const id of ids) {
      const input = inputOf(id);
      if (input.value === "" && typeof saved[id] === "string" && saved[id]) {
        input.value = saved[id];
        rowOf(id).querySelector(".carried-mark").hidden = false;
      }
    }
    form.addEventListener("submit", () => {
      const values = {};
      for (const id of ids) values[id] = inputOf(id).value;
      window.sessionStorage.setItem(CARRY_KEY, JSON.stringify(values));
    });
  }

  carryOver();
  for (const id of Object.keys(config.items)) {
    if (!inputOf(id)) continue;
    refreshChips(id);
    markChange(id);
  }
  applySkipLogic();
  // A finding's link names the item to correct (?focus=<item id>); after
  // a refused save the first error comes first.
  const firstError = form.querySelector(".has-error input[data-stop]");
  const wanted = form.dataset.focus ? inputOf(form.dataset.focus) : null;
  const focused = wanted && stops().includes(wanted) ? wanted : null;
  const start = firstError || focused ||
    stops().find((node) => node.value === "") || stops()[0];
  if (start) focusOn(start);
})();
