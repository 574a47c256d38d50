"""The HTML: server-side rendered pages, with a little JS for edits and live updates.

Pages are plain strings built with ``html.escape`` — no template engine, so nothing to install and
nothing a cell's text can inject. Every link carries ``as=`` so the chosen person stays chosen.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any
from urllib.parse import quote, urlencode

from gsheets_emulator.a1 import index_to_col

from .grid import Grid

STYLE = """
body{font-family:Arial,Helvetica,sans-serif;font-size:13px;margin:0;color:#202124}
header{display:flex;gap:16px;align-items:center;padding:8px 12px;background:#f1f3f4;border-bottom:1px solid #dadce0}
header h1{font-size:16px;margin:0;font-weight:normal}
header .as{margin-left:auto}
main{padding:8px 12px}
table.files{border-collapse:collapse}
table.files td,table.files th{padding:4px 12px;border-bottom:1px solid #eee;text-align:left}
.wrap{overflow:auto;max-height:calc(100vh - 150px);border:1px solid #dadce0}
table.grid{border-collapse:separate;border-spacing:0;table-layout:fixed}
table.grid td,table.grid th{box-sizing:border-box;border-right:1px solid #e2e2e2;border-bottom:1px solid #e2e2e2;
 padding:0 3px;overflow:hidden;white-space:nowrap;text-overflow:clip;vertical-align:bottom;background-color:#fff;
 font-size:10pt;position:relative}
table.grid thead th{background-color:#f8f9fa;color:#5f6368;font-weight:normal;text-align:center;position:sticky;
 top:0;z-index:3;height:22px}
table.grid th.rh{position:sticky;left:0;z-index:2;background-color:#f8f9fa;color:#5f6368;font-weight:normal}
table.grid thead th.rh{z-index:4}
table.grid td.frozen-r,table.grid td.frozen-c{position:sticky;z-index:1}
table.grid td.frozen-r.frozen-c{z-index:2}
table.grid tr.last-frozen td,table.grid tr.last-frozen th{border-bottom:3px solid #c0c0c0}
table.grid td.last-frozen-c{border-right:3px solid #c0c0c0}
table.grid td.note::before{content:"";position:absolute;top:0;right:0;border-style:solid;border-width:0 6px 6px 0;
 border-color:transparent #000 transparent transparent}
table.grid td.prot{background-image:repeating-linear-gradient(135deg,transparent 0 7px,rgba(230,184,0,.10) 7px 9px)}
table.grid td.locked{background-image:repeating-linear-gradient(135deg,transparent 0 5px,rgba(200,150,0,.28) 5px 7px)}
table.grid td.dd{padding-right:12px}
table.grid td.dd::after{content:"\\25BE";position:absolute;right:2px;bottom:2px;color:#80868b;font-size:9px}
table.grid td.spill{overflow:visible;z-index:1}
table.grid td.spill span.spill{position:relative}
table.grid td.editing{padding:0;box-shadow:inset 0 0 0 2px #1a73e8}
table.grid td input,table.grid td select{width:100%;box-sizing:border-box;font:inherit;border:0;padding:0 3px}
nav.tabs{display:flex;gap:2px;margin-top:6px}
nav.tabs a{padding:6px 14px;background:#f1f3f4;color:#202124;text-decoration:none;border-radius:0 0 6px 6px}
nav.tabs a.active{background:#fff;color:#188038;font-weight:bold;box-shadow:0 1px 3px rgba(0,0,0,.3)}
#tip{position:fixed;z-index:10;max-width:320px;padding:6px 8px;background:#fff;border:1px solid #bdbdbd;
 box-shadow:0 2px 6px rgba(0,0,0,.25);white-space:pre-wrap;font-size:12px}
#msg{min-height:18px;margin:4px 0;color:#c5221f}
#msg.ok{color:#188038}
.error{padding:24px}
.error h2{color:#c5221f}
.muted{color:#5f6368}
"""


def page(title: str, body: str, *, person: str, people: list[str], here: str) -> str:
    """A whole page: the header with the person picker, then ``body``."""
    options = "".join(f'<option value="{escape(p)}"{" selected" if p == person else ""}>{escape(p)}</option>'
                      for p in (people if person in people else [person, *people]))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)} — sheetsync view</title>
<style>{STYLE}</style></head>
<body><header><h1><a href="{link('/view/', person)}">sheetsync view</a> · {escape(title)}</h1>
<label class="as">as <select id="as" onchange="pickPerson(this.value)">{options}</select></label></header>
<main>{body}</main>
<script>
function pickPerson(p){{const u=new URL({_js(here)},location.origin);u.searchParams.set('as',p);location=u.pathname+u.search}}
</script></body></html>"""


def link(path: str, person: str, **params: Any) -> str:
    q = {"as": person, **{k: v for k, v in params.items() if v is not None}}
    return escape(path + "?" + urlencode(q))


def files_page(files: list[dict[str, Any]], person: str, people: list[str], *, editable: bool) -> str:
    if files:
        rows = "".join(
            f'<tr><td><a class="file" href="{link("/view/s/" + quote(f["id"]), person)}">{escape(f.get("name", ""))}'
            f'</a></td><td class="muted">{escape(", ".join(o.get("emailAddress", "") for o in f.get("owners", [])))}'
            f'</td><td class="muted">{escape(f.get("modifiedTime", ""))}</td></tr>' for f in files)
        body = (f'<table class="files"><thead><tr><th>Spreadsheet</th><th>Owner</th><th>Modified</th></tr></thead>'
                f"<tbody>{rows}</tbody></table>")
    else:
        body = f'<p class="muted">Drive lists no spreadsheet for {escape(person)}.</p>'
    if not editable:
        body += '<p class="muted">Read-only: edits are taken from this machine only (see `sheetsync view --help`).</p>'
    return page("spreadsheets", f"<p>The spreadsheets Drive lists for <b>{escape(person)}</b>:</p>{body}",
                person=person, people=people, here="/view/")


def spreadsheet_page(sid: str, title: str, tabs: list[tuple[int, str]], grid: Grid, person: str, people: list[str],
                     *, rev: int, editable: bool, can_edit: bool, conflicts: list[Any] | None = None) -> str:
    bar = "".join(f'<a class="tab{" active" if sheet_id == grid.sheet_id else ""}" data-tab="{sheet_id}" '
                  f'href="{link("/view/s/" + quote(sid), person, tab=sheet_id)}">{escape(name)}</a>'
                  for sheet_id, name in tabs)
    mode = ("double-click a cell to edit it" if editable and can_edit else
            "view only: " + ("this person may not edit this file" if not can_edit else "edits are taken from this "
                             "machine only"))
    body = f"""<p class="muted">{escape(mode)} · changes elsewhere show up by themselves</p>
<div id="msg" role="alert"></div><div id="tip" role="tooltip" hidden></div>
<div class="wrap" id="grid">{grid_html(grid)}</div>
<nav class="tabs">{bar}</nav>
{conflicts_html(conflicts, editable)}
<script>
const V={{sid:{_js(sid)},tab:{grid.sheet_id},as:{_js(person)},rev:{rev},edit:{_js(editable and can_edit)}}};
{SCRIPT}
</script>"""
    return page(title, body, person=person, people=people, here=f"/view/s/{quote(sid)}?tab={grid.sheet_id}")


SCRIPT = r"""
const base='/view/s/'+encodeURIComponent(V.sid);
const qs=()=>'?as='+encodeURIComponent(V.as)+'&tab='+V.tab;
let editing=null;
function say(text,ok){const m=document.getElementById('msg');m.textContent=text;m.className=ok?'ok':''}
async function refresh(){
  if(editing)return;
  const r=await fetch(base+'/grid'+qs());
  if(r.ok&&!editing){document.getElementById('grid').innerHTML=await r.text()}
}
async function poll(){
  try{const r=await fetch(base+'/rev'+qs());if(r.ok){const j=await r.json();if(j.rev!==V.rev){V.rev=j.rev;await refresh()}}}
  catch(e){}
  setTimeout(poll,1000);
}
setTimeout(poll,1000);
const tip=document.getElementById('tip');
document.addEventListener('mouseover',ev=>{
  const td=ev.target.closest('td[data-note]');
  if(!td){tip.hidden=true;return}
  const r=td.getBoundingClientRect();tip.textContent=td.dataset.note;
  tip.style.left=(r.right+4)+'px';tip.style.top=r.top+'px';tip.hidden=false;
});
document.addEventListener('dblclick',ev=>{
  const td=ev.target.closest('td[data-a1]');if(!td||!V.edit||editing)return;
  editing=td;td.classList.add('editing');
  const old=td.dataset.v!==undefined?td.dataset.v:td.textContent;
  const saved=td.innerHTML;let box;
  if(td.dataset.choices){box=document.createElement('select');
    for(const c of ['',...JSON.parse(td.dataset.choices)]){const o=document.createElement('option');o.value=c;o.textContent=c;if(c===old)o.selected=true;box.appendChild(o)}}
  else{box=document.createElement('input');box.value=old}
  td.innerHTML='';td.appendChild(box);box.focus();
  const done=async(commit)=>{
    if(editing!==td)return;
    if(!commit){editing=null;td.classList.remove('editing');td.innerHTML=saved;return}
    const body=new URLSearchParams({as:V.as,tab:String(V.tab),a1:td.dataset.a1,value:box.value});
    const r=await fetch(base+'/edit',{method:'POST',body,headers:{'X-Sheetsync-View':'1'}});
    const j=await r.json().catch(()=>({ok:false,message:'HTTP '+r.status}));
    editing=null;td.classList.remove('editing');td.innerHTML=saved;
    if(j.ok){if(j.rev!==undefined)V.rev=j.rev;await refresh();say('saved '+td.dataset.a1,true)}
    else{say(j.message||'refused')}
  };
  box.addEventListener('keydown',e=>{if(e.key==='Enter'){e.preventDefault();done(true)}else if(e.key==='Escape'){done(false)}});
  if(box.tagName==='SELECT')box.addEventListener('change',()=>done(true));
  box.addEventListener('blur',()=>done(false));
});
document.addEventListener('click',async ev=>{
  const b=ev.target.closest('button[data-resolve]');if(!b)return;
  const id=b.dataset.resolve;let take=b.dataset.take;
  if(!take){take=(document.querySelector('input[data-value-for="'+id+'"]')||{}).value||'';if(!take){say('type a value first');return}}
  const body=new URLSearchParams({as:V.as,id,take});
  const r=await fetch(base+'/resolve',{method:'POST',body,headers:{'X-Sheetsync-View':'1'}});
  const j=await r.json().catch(()=>({ok:false,message:'HTTP '+r.status}));
  if(j.ok){const tr=document.querySelector('tr[data-conflict="'+id+'"]');if(tr)tr.remove();say(j.message,true)}
  else{say(j.message||'refused')}
});
"""


def conflicts_html(conflicts: list[Any] | None, editable: bool) -> str:
    """The open conflicts of this spreadsheet's client, each with the three ways to settle it (the same as
    `sheetsync conflicts resolve ID --take sheet|store|VALUE`); nothing for a person who may not settle them."""
    if not conflicts:
        return ""
    rows = []
    for c in conflicts:
        buttons = (f'<button data-resolve="{c.id}" data-take="sheet">take the sheet\'s</button> '
                   f'<button data-resolve="{c.id}" data-take="store">take the store\'s</button> '
                   f'<input data-value-for="{c.id}" placeholder="or a value"> '
                   f'<button data-resolve="{c.id}" data-take="">take this</button>') if editable else ""
        rows.append(f'<tr data-conflict="{c.id}"><td>{c.id}</td><td>{escape(c.task)}</td><td>{escape(c.field)}</td>'
                    f'<td>{escape(c.sheet_value)}</td><td>{escape(c.store_value)}</td><td>{escape(c.winner)}</td>'
                    f'<td>{buttons}</td></tr>')
    return (f'<section id="conflicts"><h2>Conflicts ({len(conflicts)} open)</h2><table class="conflicts">'
            '<thead><tr><th>id</th><th>task</th><th>field</th><th>sheet value</th><th>store value</th>'
            f'<th>applied</th><th></th></tr></thead><tbody>{"".join(rows)}</tbody></table></section>')


def grid_html(grid: Grid) -> str:
    """The table of one tab (also sent alone when the page refreshes itself)."""
    cols = "".join(f'<col style="width:{w}px">' for _c, w in grid.widths)
    left_of: dict[int, int] = {}
    x = 41
    for c, w in grid.widths:
        left_of[c] = x
        x += w
    head = "".join(f"<th>{_col_name(c)}</th>" for c, _w in grid.widths)
    top_of: dict[int, int] = {}
    y = 22
    for r, h, _cells in grid.rows:
        top_of[r] = y
        y += h
    body = []
    for r, h, cells in grid.rows:
        cls = ' class="last-frozen"' if grid.frozen_rows and r == grid.frozen_rows - 1 else ""
        tds = "".join(_td(cell, grid, top_of.get(r, 0), left_of.get(cell.col, 0)) for cell in cells)
        body.append(f'<tr{cls} style="height:{h}px"><th class="rh">{r + 1}</th>{tds}</tr>')
    return (f'<table class="grid" data-sheet="{grid.sheet_id}" data-title="{escape(grid.title)}" style="width:{x}px">'
            f'<colgroup><col style="width:41px">{cols}</colgroup>'
            f'<thead><tr><th class="rh"></th>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')


def _td(cell: Any, grid: Grid, top: int, left: int) -> str:
    classes = []
    style = dict(cell.style)
    if cell.row < grid.frozen_rows:
        classes.append("frozen-r")
        style["top"] = f"{top}px"
    if cell.col < grid.frozen_cols:
        classes.append("frozen-c")
        style["left"] = f"{left}px"
        if cell.col + cell.colspan == grid.frozen_cols:
            classes.append("last-frozen-c")
    attrs = [f'data-a1="{cell.a1}"']
    titles = []
    if cell.note:
        classes.append("note")
        attrs.append(f'data-note="{escape(cell.note)}"')
    if cell.protected is not None:
        classes.append("locked" if cell.locked else "prot")
        titles.append("protected" + (f": {cell.protected}" if cell.protected else ""))
    if cell.choices is not None:
        classes.append("dd")
        attrs.append(f"data-choices='{escape(json.dumps(cell.choices, ensure_ascii=False), quote=True)}'")
    if cell.spill:
        classes.append("spill")
    if classes:
        attrs.append(f'class="{" ".join(classes)}"')
    if titles:
        attrs.append(f'title="{escape(chr(10).join(titles))}"')
    if style:
        attrs.append(f'style="{escape(";".join(f"{k}:{v}" for k, v in style.items()))}"')
    if cell.rowspan > 1:
        attrs.append(f'rowspan="{cell.rowspan}"')
    if cell.colspan > 1:
        attrs.append(f'colspan="{cell.colspan}"')
    text = escape(cell.text)
    if cell.spill:
        text = f'<span class="spill">{text}</span>'
    if cell.link and cell.text:
        text = f'<a href="{escape(cell.link)}" target="_blank" rel="noopener">{text}</a>'
    return f"<td {' '.join(attrs)}>{text}</td>"


def _col_name(c: int) -> str:
    return index_to_col(c)


def error_page(status: int, message: str, hint: str, person: str, people: list[str]) -> str:
    body = (f'<div class="error"><h2>{status} — {escape(message)}</h2><p>{escape(hint)}</p>'
            f'<p><a href="{link("/view/", person)}">the spreadsheets {escape(person)} can open</a></p></div>')
    return page(f"{status}", body, person=person, people=people, here="/view/")


def _js(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False).replace("</", "<\\/")
