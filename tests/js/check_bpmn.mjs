// Check BPMN 2.0 files with bpmn-moddle, the parser behind bpmn-js / bpmn.io.
//
//   node tests/js/check_bpmn.mjs FILE.bpmn [FILE.bpmn ...]
//
// Prints one JSON document: {"files": [report, ...]}. Each report has
//   warnings            import warnings of bpmn-moddle (messages), must be empty
//   error               a fatal parse error, or null
//   nodes_without_shape ids of flow nodes that have no BPMNShape
//   flows_without_edge  ids of sequence flows that have no BPMNEdge
//   short_edges         ids of BPMNEdges with fewer than 2 waypoints
//   overlaps            [id, id] pairs of shapes whose bounds overlap
//   detached_edges      ids of flows whose first/last waypoint is not on the border of the
//                       source/target shape (2 px tolerance)
//   bad_refs            ids of nodes whose incoming/outgoing lists disagree with the flows
//   tasks, gateways, events, flows   counts
//   executable, target_namespace     process/definitions attributes
// Exit code: 0 when every file could be parsed, 1 otherwise, 2 on wrong usage.

import { readFile } from 'node:fs/promises';
import BpmnModdle from 'bpmn-moddle';

const TOLERANCE = 2;

function boundsOf(shape) {
  const b = shape.bounds;
  return { x: b.x, y: b.y, w: b.width, h: b.height };
}

function overlap(a, b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

function onBorder(point, b) {
  const inX = point.x >= b.x - TOLERANCE && point.x <= b.x + b.w + TOLERANCE;
  const inY = point.y >= b.y - TOLERANCE && point.y <= b.y + b.h + TOLERANCE;
  if (!inX || !inY) return false;
  const nearX = Math.abs(point.x - b.x) <= TOLERANCE || Math.abs(point.x - (b.x + b.w)) <= TOLERANCE;
  const nearY = Math.abs(point.y - b.y) <= TOLERANCE || Math.abs(point.y - (b.y + b.h)) <= TOLERANCE;
  return nearX || nearY;
}

async function check(file) {
  const report = {
    file,
    error: null,
    warnings: [],
    nodes_without_shape: [],
    flows_without_edge: [],
    short_edges: [],
    overlaps: [],
    detached_edges: [],
    bad_refs: [],
    tasks: 0,
    gateways: 0,
    events: 0,
    flows: 0,
    executable: null,
    target_namespace: null,
  };
  let parsed;
  try {
    const xml = await readFile(file, 'utf8');
    parsed = await new BpmnModdle().fromXML(xml);
  } catch (err) {
    report.error = String(err && err.message ? err.message : err);
    return report;
  }
  const { rootElement: definitions, warnings } = parsed;
  report.warnings = warnings.map((w) => String(w.message));
  report.target_namespace = definitions.targetNamespace || null;

  const nodes = [];
  const flows = [];
  for (const root of definitions.rootElements || []) {
    if (!root.$instanceOf('bpmn:Process')) continue;
    report.executable = root.isExecutable === undefined ? null : root.isExecutable;
    for (const el of root.flowElements || []) {
      if (el.$instanceOf('bpmn:SequenceFlow')) flows.push(el);
      else if (el.$instanceOf('bpmn:FlowNode')) nodes.push(el);
    }
  }
  report.tasks = nodes.filter((n) => n.$instanceOf('bpmn:Activity')).length;
  report.gateways = nodes.filter((n) => n.$instanceOf('bpmn:Gateway')).length;
  report.events = nodes.filter((n) => n.$instanceOf('bpmn:Event')).length;
  report.flows = flows.length;

  const shapes = new Map();
  const edges = new Map();
  for (const diagram of definitions.diagrams || []) {
    for (const el of (diagram.plane && diagram.plane.planeElement) || []) {
      if (!el.bpmnElement) continue;
      if (el.$instanceOf('bpmndi:BPMNShape')) shapes.set(el.bpmnElement.id, el);
      else if (el.$instanceOf('bpmndi:BPMNEdge')) edges.set(el.bpmnElement.id, el);
    }
  }
  for (const n of nodes) if (!shapes.has(n.id)) report.nodes_without_shape.push(n.id);
  for (const f of flows) {
    const edge = edges.get(f.id);
    if (!edge) {
      report.flows_without_edge.push(f.id);
      continue;
    }
    const points = edge.waypoint || [];
    if (points.length < 2) {
      report.short_edges.push(f.id);
      continue;
    }
    const src = shapes.get(f.sourceRef && f.sourceRef.id);
    const tgt = shapes.get(f.targetRef && f.targetRef.id);
    if (!src || !tgt
        || !onBorder(points[0], boundsOf(src))
        || !onBorder(points[points.length - 1], boundsOf(tgt))) {
      report.detached_edges.push(f.id);
    }
  }
  const placed = nodes.filter((n) => shapes.has(n.id)).map((n) => [n.id, boundsOf(shapes.get(n.id))]);
  for (let i = 0; i < placed.length; i++) {
    for (let j = i + 1; j < placed.length; j++) {
      if (overlap(placed[i][1], placed[j][1])) report.overlaps.push([placed[i][0], placed[j][0]]);
    }
  }
  for (const n of nodes) {
    const incoming = new Set((n.incoming || []).map((f) => f.id));
    const outgoing = new Set((n.outgoing || []).map((f) => f.id));
    const wantIn = new Set(flows.filter((f) => f.targetRef && f.targetRef.id === n.id).map((f) => f.id));
    const wantOut = new Set(flows.filter((f) => f.sourceRef && f.sourceRef.id === n.id).map((f) => f.id));
    const same = (a, b) => a.size === b.size && [...a].every((x) => b.has(x));
    if (!same(incoming, wantIn) || !same(outgoing, wantOut)) report.bad_refs.push(n.id);
  }
  return report;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('usage: node check_bpmn.mjs FILE.bpmn [FILE.bpmn ...]\n');
  process.exit(2);
}
const reports = [];
for (const file of files) reports.push(await check(file));
process.stdout.write(JSON.stringify({ files: reports }, null, 1) + '\n');
process.exit(reports.some((r) => r.error) ? 1 : 0);
