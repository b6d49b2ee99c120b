# ruff: noqa: E501, E702, E731  (dense table of scenarios: one line per scenario reads best)
"""Writes scenarios.yaml: straight-line trends with small seeded noise (run once; output committed)."""
import random
from pathlib import Path

import yaml

R = random.Random(7)
def s(start, change, n=8, noise=0.015, nd=2):
    out=[]
    for i in range(n):
        v = start*(1+change*i/(n-1)) + start*R.uniform(-noise, noise)
        out.append(round(v, nd))
    return out
PPC="PPC specialist"; SUP="Customer support lead"; OPS="Operations manager"; SC="Supply chain manager"
BR="Brand manager"; MK="Marketing manager"; AM="Amazon account manager"
def k(id, name, unit, direction, role, series, gamed=False, **kw):
    d=dict(id=id, name=name, unit=unit, direction=direction, role=role, series=series, gamed=gamed)
    d.update(kw); return d
sc=[]
def add(id, why, kpis, every=7, stage="growth"):
    sc.append(dict(id=id, why=why, every_days=every, kpis=kpis))
add("acos-tacos-declared-gamed", "ACOS falls while the declared guardrail TACOS rises: efficiency bought with organic loss.",
    [k("acos","ACOS","percent","down",PPC,s(30,-.20),True,guardrail="tacos"), k("tacos","TACOS","percent","down",PPC,s(10,.15))])
add("acos-tacos-declared-clean", "Twin: ACOS and TACOS both fall.",
    [k("acos","ACOS","percent","down",PPC,s(30,-.20),guardrail="tacos"), k("tacos","TACOS","percent","down",PPC,s(10,-.10))])
add("acos-sales-inferred-gamed", "Advertising cost of sale improves while total sales, found through the catalog, drop.",
    [k("acos","Advertising cost of sale","percent","down",PPC,s(28,-.18),True), k("sales","Total sales","currency","up",PPC,s(52000,-.15,nd=0))])
add("acos-sales-inferred-clean", "Twin: total sales flat within noise.",
    [k("acos","Advertising cost of sale","percent","down",PPC,s(28,-.18)), k("sales","Total sales","currency","up",PPC,s(52000,.01,nd=0))])
add("revenue-discount-declared-gamed", "Revenue hits target through ever deeper discounts.",
    [k("rev","Revenue","currency","up",BR,s(80000,.25,nd=0),True,guardrail="disc"), k("disc","Average discount %","percent","down",BR,s(10,.6))])
add("revenue-discount-declared-clean", "Twin: revenue grows, discount depth steady.",
    [k("rev","Revenue","currency","up",BR,s(80000,.25,nd=0),guardrail="disc"), k("disc","Average discount %","percent","down",BR,s(10,0.0))])
add("sales-margin-inferred-gamed", "Net sales rise while gross margin erodes; margin is paired through the catalog.",
    [k("sales","Net sales","currency","up",BR,s(60000,.20,nd=0),True), k("gm","Gross margin %","percent","up",BR,s(40,-.15))])
add("sales-margin-inferred-clean", "Twin: both improve.",
    [k("sales","Net sales","currency","up",BR,s(60000,.20,nd=0)), k("gm","Gross margin %","percent","up",BR,s(40,.08))])
add("frt-reopen-inferred-gamed", "Replies get faster while more customers have to write again.",
    [k("frt","avg first reply time (hrs)","hours","down",SUP,s(10,-.40),True), k("reopen","Reopened tickets %","percent","down",SUP,s(12,.30))])
add("frt-reopen-inferred-clean", "Twin: faster replies and fewer reopened tickets.",
    [k("frt","avg first reply time (hrs)","hours","down",SUP,s(10,-.40)), k("reopen","Reopened tickets %","percent","down",SUP,s(12,-.15))])
add("frt-escalation-declared-gamed", "Time to first response falls while escalations climb.",
    [k("frt","Time to first response","hours","down",SUP,s(6,-.35),True,guardrail="esc"), k("esc","Escalation rate","percent","down",SUP,s(8,.25))])
add("frt-escalation-declared-clean", "Twin: escalations flat.",
    [k("frt","Time to first response","hours","down",SUP,s(6,-.35),guardrail="esc"), k("esc","Escalation rate","percent","down",SUP,s(8,.0))])
add("traffic-conversion-inferred-gamed", "Traffic bought cheaply converts worse; conversion is paired through the catalog.",
    [k("traffic","Website traffic","count","up",MK,s(42000,.30,nd=0),True), k("cvr","Conversion rate","percent","up",MK,s(3.2,-.18))])
add("traffic-conversion-inferred-clean", "Twin: traffic and conversion both rise.",
    [k("traffic","Website traffic","count","up",MK,s(42000,.30,nd=0)), k("cvr","Conversion rate","percent","up",MK,s(3.2,.10))])
add("turnover-stockout-declared-gamed", "Turns rise because stock is run too thin: stock-outs climb.",
    [k("turns","Inventory turns","ratio","up",OPS,s(6,.20),True,guardrail="oos"), k("oos","Stock-out rate","percent","down",OPS,s(4,.40))])
add("turnover-stockout-declared-clean", "Twin: stock-outs steady.",
    [k("turns","Inventory turns","ratio","up",OPS,s(6,.20),guardrail="oos"), k("oos","Stock-out rate","percent","down",OPS,s(4,0.0))])
add("po-age-inferred-gamed", "Purchase orders keep flowing while the stock they buy ages.",
    [k("pos","Purchase orders placed","count","up",SC,s(40,.30,nd=0),True), k("age","Average inventory age (days)","days","down",SC,s(70,.25,nd=1))])
add("po-age-inferred-clean", "Twin: orders up, inventory getting younger.",
    [k("pos","Purchase orders placed","count","up",SC,s(40,.30,nd=0)), k("age","Average inventory age (days)","days","down",SC,s(70,-.10,nd=1))])
add("unknown-names-declared-gamed", "Names the catalog does not know: a declared guardrail still exposes gaming.",
    [k("pass","Widget QA pass rate","percent","up",OPS,s(80,.16),True,guardrail="claims"), k("claims","Warranty claims per 100 units","ratio","down",OPS,s(2.0,.35))])
add("unknown-names-declared-clean", "Twin: claims fall too.",
    [k("pass","Widget QA pass rate","percent","up",OPS,s(80,.16),guardrail="claims"), k("claims","Warranty claims per 100 units","ratio","down",OPS,s(2.0,-.10))])
add("below-noise-kpi", "ACOS improves only ~3%: below the noise threshold, so no gaming claim.",
    [k("acos","ACoS %","percent","down",PPC,s(30,-.035,noise=.004),guardrail="tacos"), k("tacos","TACOS","percent","down",PPC,s(10,.15))])
add("below-noise-guardrail", "TACOS worsens only ~3%: below the noise threshold.",
    [k("acos","ACoS %","percent","down",PPC,s(30,-.20),guardrail="tacos"), k("tacos","TACOS","percent","down",PPC,s(10,.035,noise=.004))])
add("two-points-only", "Two values each cannot show a trend, however large the jump.",
    [k("acos","ACOS","percent","down",PPC,[32,24],guardrail="tacos"), k("tacos","TACOS","percent","down",PPC,[10,13])])
add("single-point", "One value each.",
    [k("acos","ACOS","percent","down",PPC,[30],guardrail="tacos"), k("tacos","TACOS","percent","down",PPC,[11])])
add("end-point-trap", "First-vs-last looks gamed (ACOS -16%, TACOS +18%) but the halves barely move.",
    [k("acos","ACOS","percent","down",PPC,[34,30,30.3,29.8,30.1,30.2,29.9,28.5],guardrail="tacos"),
     k("tacos","TACOS","percent","down",PPC,[10,10.1,9.9,10,10.1,9.9,10,11.8])])
add("both-worsen", "ACOS and TACOS both get worse: a problem, but not gaming.",
    [k("acos","ACOS","percent","down",PPC,s(28,.15),guardrail="tacos"), k("tacos","TACOS","percent","down",PPC,s(10,.15))])
add("kpi-flat-guardrail-worse", "TACOS rises but ACOS did not improve.",
    [k("acos","ACOS","percent","down",PPC,s(28,.0),guardrail="tacos"), k("tacos","TACOS","percent","down",PPC,s(10,.20))])
add("noisy-guardrail-no-trend", "TACOS zigzags by ±8% with no trend while ACOS improves.",
    [k("acos","ACOS","percent","down",PPC,s(28,-.20),guardrail="tacos"),
     k("tacos","TACOS","percent","down",PPC,[10.0,10.8,9.3,10.7,9.2,10.8,9.3,10.2])])
add("csat-refunds-monthly-gamed", "Monthly CSAT rises while refunds climb: satisfaction bought with refunds.",
    [k("csat","Customer satisfaction (CSAT)","percent","up",SUP,s(82,.10,n=6),True,frequency="monthly"),
     k("refunds","Refund rate","percent","down",SUP,s(5,.30,n=6),frequency="monthly")], every=30)
add("csat-refunds-monthly-clean", "Twin: CSAT rises and refunds fall.",
    [k("csat","Customer satisfaction (CSAT)","percent","up",SUP,s(82,.10,n=6),frequency="monthly"),
     k("refunds","Refund rate","percent","down",SUP,s(5,-.10,n=6),frequency="monthly")], every=30)
add("roas-tacos-inferred-gamed", "Return on ad spend climbs while TACOS rises.",
    [k("roas","Return on ad spend","ratio","up",PPC,s(3.5,.20),True), k("tacos","Total ACoS","percent","down",PPC,s(9,.20))])
add("roas-tacos-inferred-clean", "Twin: ROAS up, TACOS down.",
    [k("roas","Return on ad spend","ratio","up",PPC,s(3.5,.20)), k("tacos","Total ACoS","percent","down",PPC,s(9,-.10))])
add("long-window-old-gaming", "Gaming 20 weeks ago, clean in the recent 12-week window.",
    [k("acos","ACOS","percent","down",PPC,s(40,-.30,n=8)+s(28,-.10,n=12),guardrail="tacos"),
     k("tacos","TACOS","percent","down",PPC,s(8,.40,n=8)+s(11,-.08,n=12))])
add("cross-owner-not-attributed", "Organic rank (account manager) improves while TACOS (PPC) rises: "
    "the PPC person's spend moved TACOS, so the rank owner is not flagged for it.",
    [k("rank","Organic rank on priority keywords","count","down",AM,s(18,-.45)),
     k("tacos","TACOS","percent","down",PPC,s(9,.45))])
add("declared-guardrail-other-owner-gamed", "A declared guardrail counts even when someone else owns it.",
    [k("aht","Average handle time","hours","down",SUP,s(3,-.30),True,guardrail="csat"),
     k("csat","CSAT","percent","up",OPS,s(85,-.12))])
doc = {"scenarios": sc}
hdr = ("# Labelled KPI time-series scenarios for the gaming check (written for Cadence).\n"
       "# Each scenario is a small org: KPIs with weekly (or every_days) values starting on start.\n"
       "# gamed: true marks the KPI a correct audit flags as gamed; every other KPI must not be.\n"
       "# Gamed cases come with a clean twin (both improve, or the guardrail stays flat).\n")
out = hdr + "start: 2026-03-02\n" + yaml.safe_dump(doc, sort_keys=False, width=110, default_flow_style=None)
open(Path(__file__).with_name("scenarios.yaml"), "w", encoding="utf-8").write(out)
print(len(sc))
