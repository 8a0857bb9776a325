// The table: pages of rows from Python, sorting and column filters, editable cells, and a
// strip of thumbnails for the selected rows.
//
// Python (dl_jupyter/widgets/table.py) answers "rows" (a page), "filter" (set the column
// filters, returns the new count), "edit" (write one cell back to the store) and "preview"
// (thumbnails of the selected rows' items, as binary buffers). `data-state="ready"` on the
// table tells tests that a page is on screen.
import { drawOverlay } from "../common/overlay.js";
import { createRpc } from "../common/rpc.js";
import { clickSelect } from "../common/selection.js";

const PAGE_SIZES = [10, 25, 50, 100];

function h(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(text, onClick) {
  const node = h("button", "dl-btn", text);
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
}

/** How a cell value reads in the table. */
export function formatCell(value, kind) {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  if (kind === "time" && typeof value === "string") return value.replace("T", " ").slice(0, 19);
  if (typeof value === "number" && !Number.isInteger(value)) return String(Math.round(value * 1e4) / 1e4);
  return String(value);
}

function render({ model, el }) {
  const rpc = createRpc(model, { timeout: 60_000 });
  const root = h("div", "dl-table-root");
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  el.appendChild(root);

  const bar = h("div", "dl-bar");
  const title = h("span", "dl-title");
  const countText = h("span", "dl-count");
  const prev = button("‹", () => goTo(model.get("page") - 1));
  const pageText = h("span", "dl-page");
  const next = button("›", () => goTo(model.get("page") + 1));
  const sizeSelect = h("select", "dl-page-size");
  for (const n of PAGE_SIZES) {
    const option = h("option", "", `${n} rows`);
    option.value = String(n);
    sizeSelect.appendChild(option);
  }
  sizeSelect.addEventListener("change", () => {
    model.set("page_size", Number(sizeSelect.value));
    model.set("page", 0);
    model.save_changes();
  });
  bar.append(title, countText, prev, pageText, next, sizeSelect);
  const message = h("div", "dl-message");
  const scroller = h("div", "dl-table-scroll");
  const table = h("table", "dl-table");
  table.dataset.state = "empty";
  const thead = h("thead");
  const tbody = h("tbody");
  table.append(thead, tbody);
  scroller.appendChild(table);
  const preview = h("div", "dl-preview");
  root.append(bar, message, scroller, preview);

  let ids = [];
  let rows = [];
  let anchor = null;
  let generation = 0;
  let previewGeneration = 0;
  let previewUrls = [];
  const filterInputs = new Map();

  const lastPage = () => Math.max(0, Math.ceil(model.get("count") / model.get("page_size")) - 1);
  function goTo(page) {
    const target = Math.min(Math.max(0, page), lastPage());
    if (target === model.get("page")) return;
    model.set("page", target);
    model.save_changes();
  }
  function say(text, isError = false) {
    message.textContent = text;
    message.classList.toggle("dl-error", isError);
  }

  function drawBar() {
    title.textContent = model.get("title");
    countText.textContent = `${model.get("count").toLocaleString()} rows`;
    pageText.textContent = `page ${model.get("page") + 1} of ${lastPage() + 1}`;
    sizeSelect.value = String(model.get("page_size"));
  }

  function drawHead() {
    const columns = model.get("columns");
    const sort = model.get("sort");
    const names = h("tr");
    const filters = h("tr", "dl-filter-row");
    filterInputs.clear();
    for (const column of columns) {
      const th = h("th", column.sortable ? "dl-sortable" : "");
      th.dataset.column = column.name;
      const arrow = sort[0] === column.name ? (sort[1] === "ascending" ? " ▲" : " ▼") : "";
      th.textContent = column.name.replace(/^metadata\.user\./, "") + arrow;
      th.title = column.name + (column.editable ? " (editable: double-click a cell)" : "");
      if (column.editable) th.classList.add("dl-editable-head");
      if (column.sortable) th.addEventListener("click", () => cycleSort(column.name));
      names.appendChild(th);
      const cell = h("th");
      if (column.filterable) {
        const input = h("input", "dl-filter");
        input.placeholder = column.kind === "number" ? "<, >, =" : "filter";
        input.value = model.get("column_filters")[column.name] ?? "";
        input.dataset.column = column.name;
        input.addEventListener("change", applyFilters);
        filterInputs.set(column.name, input);
        cell.appendChild(input);
      }
      filters.appendChild(cell);
    }
    thead.replaceChildren(names, filters);
  }

  function cycleSort(name) {
    const [current, direction] = model.get("sort");
    let next = [name, "ascending"];
    if (current === name) next = direction === "ascending" ? [name, "descending"] : [];
    model.set("sort", next);
    model.set("page", 0);
    model.save_changes();
  }

  async function applyFilters() {
    const filters = {};
    for (const [name, input] of filterInputs) if (input.value.trim()) filters[name] = input.value;
    try {
      await rpc.request("filter", { filters });
      say("");
    } catch (err) {
      say(err.message, true);
    }
  }

  function drawBody() {
    const columns = model.get("columns");
    const selected = new Set(model.get("selected_ids"));
    const trs = rows.map((row, index) => {
      const tr = h("tr", selected.has(ids[index]) ? "dl-selected" : "");
      tr.dataset.id = ids[index];
      tr.dataset.index = String(index);
      columns.forEach((column, c) => {
        const td = h("td", column.editable ? "dl-editable" : "", formatCell(row[c], column.kind));
        td.dataset.column = column.name;
        if (typeof row[c] === "object" && row[c] !== null) td.dataset.json = "1";
        tr.appendChild(td);
      });
      return tr;
    });
    tbody.replaceChildren(...trs);
  }

  async function load() {
    const gen = ++generation;
    table.dataset.state = "loading";
    try {
      const { msg } = await rpc.request("rows", { page: model.get("page"), size: model.get("page_size") });
      if (gen !== generation) return;
      ids = msg.result.ids;
      rows = msg.result.rows;
      anchor = null;
      drawBody();
      table.dataset.state = "ready";
      table.dataset.revision = String(model.get("revision"));
    } catch (err) {
      if (gen === generation && err.kind !== "disposed") {
        table.dataset.state = "error";
        say(err.message, true);
      }
    }
  }

  // -- selection and the preview ----------------------------------------------------------
  tbody.addEventListener("click", (event) => {
    const tr = event.target.closest("tr");
    if (!tr || tr.querySelector("input.dl-cell-input")) return;
    const state = clickSelect({ selected: model.get("selected_ids"), anchor }, ids, Number(tr.dataset.index), {
      shift: event.shiftKey,
      ctrl: event.ctrlKey || event.metaKey,
    });
    anchor = state.anchor;
    model.set("selected_ids", state.selected);
    model.save_changes();
  });

  async function drawPreview() {
    const gen = ++previewGeneration;
    const selected = model.get("selected_ids");
    for (const tr of tbody.children) tr.classList.toggle("dl-selected", selected.includes(tr.dataset.id));
    if (!selected.length) {
      preview.replaceChildren();
      preview.dataset.state = "empty";
      return;
    }
    preview.dataset.state = "loading";
    let reply;
    try {
      reply = await rpc.request("preview", { ids: selected });
    } catch (err) {
      if (gen === previewGeneration) say(err.message, true);
      return;
    }
    if (gen !== previewGeneration) return;
    for (const url of previewUrls) URL.revokeObjectURL(url);
    previewUrls = [];
    let b = 0;
    const cards = reply.msg.result.tiles.map((meta) => {
      const card = h("div", "dl-preview-card");
      card.dataset.id = meta.id;
      card.title = meta.filename;
      if (meta.image && meta.width && meta.height) {
        const pic = h("div", "dl-preview-pic");
        pic.style.aspectRatio = `${meta.width} / ${meta.height}`;
        const img = h("img");
        const url = URL.createObjectURL(new Blob([reply.buffers[b++]], { type: "image/jpeg" }));
        previewUrls.push(url);
        img.src = url;
        img.alt = meta.name;
        const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
        svg.classList.add("dl-overlay");
        drawOverlay(svg, meta.shapes, meta.width, meta.height, {
          colors: model.get("colors"), showLabels: false,
        });
        pic.append(img, svg);
        card.appendChild(pic);
      }
      card.appendChild(h("div", "dl-preview-name", meta.name));
      return card;
    });
    preview.replaceChildren(...cards);
    preview.dataset.state = "ready";
  }

  // -- editing ---------------------------------------------------------------------------
  tbody.addEventListener("dblclick", (event) => {
    const td = event.target.closest("td.dl-editable");
    if (!td || td.querySelector("input")) return;
    const tr = td.closest("tr");
    const original = td.textContent;
    const input = h("input", "dl-cell-input");
    input.value = original;
    td.replaceChildren(input);
    input.focus();
    input.select();
    let done = false;
    const finish = async (commit) => {
      if (done) return;
      done = true;
      if (!commit || input.value === original) {
        td.textContent = original;
        return;
      }
      td.classList.add("dl-saving");
      try {
        await rpc.request("edit", {
          row: tr.dataset.id, column: td.dataset.column, value: input.value, json: td.dataset.json === "1",
        });
        say(`saved ${td.dataset.column}`);
      } catch (err) {
        td.textContent = original;
        say(err.message, true);
      } finally {
        td.classList.remove("dl-saving");
      }
    };
    input.addEventListener("keydown", (e) => {
      e.stopPropagation();
      if (e.key === "Enter") finish(true);
      else if (e.key === "Escape") finish(false);
    });
    input.addEventListener("blur", () => finish(true));
  });

  // -- model events ----------------------------------------------------------------------
  const onReload = () => {
    drawBar();
    load();
  };
  const onColumns = () => {
    drawHead();
    drawBody();
  };
  const onSort = () => {
    drawHead();
    load();
  };
  const listeners = [
    ["change:page", onReload], ["change:page_size", onReload], ["change:revision", onReload],
    ["change:sort", onSort], ["change:count", drawBar], ["change:title", drawBar],
    ["change:columns", onColumns], ["change:selected_ids", drawPreview],
  ];
  for (const [name, fn] of listeners) model.on(name, fn);
  drawBar();
  drawHead();
  load();
  if (model.get("selected_ids").length) drawPreview();

  return () => {
    for (const [name, fn] of listeners) model.off(name, fn);
    rpc.dispose();
    for (const url of previewUrls) URL.revokeObjectURL(url);
  };
}

export default { render };
