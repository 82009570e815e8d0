import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { LiveStore } from '../live-store';
import type { Field } from './technician-page';

/** GET /jobs/:id/proofs (the API's ProofView). */
export interface Proof {
  proofId: string;
  kind: 'photo' | 'signature';
  signedBy?: string;
  addedAt: string;
  url: string;
  thumbnailUrl: string;
}

/** The job's proofs as thumbnails (fetched with the caller's token, shown as blob: URLs); a tap opens the original. */
export function ProofThumbs({ store, jobId, version }: { store: LiveStore; jobId: string; version: number }) {
  const [thumbs, setThumbs] = useState<{ proof: Proof; src: string }[]>([]);
  useEffect(() => {
    let urls: string[] = [];
    let live = true;
    store.session
      .get<{ items: Proof[] }>(`/jobs/${encodeURIComponent(jobId)}/proofs`)
      .then((r) => Promise.all(r.items.map(async (proof) => ({ proof, src: URL.createObjectURL(await store.session.download(proof.thumbnailUrl)) }))))
      .then((loaded) => {
        urls = loaded.map((t) => t.src);
        if (live) setThumbs(loaded);
      })
      .catch(() => undefined); // offline: what was shown stays
    return () => {
      live = false;
      urls.forEach((u) => URL.revokeObjectURL(u));
    };
  }, [jobId, version]);
  const openOriginal = async (proof: Proof) => window.open(URL.createObjectURL(await store.session.download(proof.url)), '_blank', 'noopener');
  if (thumbs.length === 0) return null;
  return html`<div class="thumbs" data-testid="proofs">
    ${thumbs.map(({ proof, src }) => html`<img key=${proof.proofId} src=${src} data-testid="proof" data-kind=${proof.kind} alt=${proof.kind === 'signature' ? `Signed by ${proof.signedBy ?? 'the customer'}` : 'Photo'} title=${new Date(proof.addedAt).toLocaleString()} onClick=${() => openOriginal(proof)} />`)}
  </div>`;
}

/** Proof of service on site: photos from the camera and the customer's signature, queued like every change. */
export function ProofPanel({ store, field, jobId, version }: { store: LiveStore; field: Field; jobId: string; version: number }) {
  const queue = (kind: 'photo' | 'signature', body: Blob, query = '') =>
    field.outbox.add({ jobId, kind: 'proof', label: kind === 'photo' ? 'Photo' : 'Signature', path: `/jobs/${encodeURIComponent(jobId)}/proofs?kind=${kind}${query}`, body });
  const photos = async (event: Event) => {
    const input = event.target as HTMLInputElement;
    for (const file of [...(input.files ?? [])]) await queue('photo', file);
    input.value = '';
  };
  const waiting = field.pending.filter((e) => e.jobId === jobId && e.kind === 'proof').length;
  return html`
    <section class="proof">
      <h4>Proof of service</h4>
      <${ProofThumbs} store=${store} jobId=${jobId} version=${version} />
      ${waiting > 0 && html`<p class="pending" data-testid="proofs-waiting">${waiting} waiting to send</p>`}
      <label class="button">Take photo <input type="file" accept="image/*" capture="environment" multiple hidden onChange=${photos} data-testid="photo-input" /></label>
      <${SignaturePad} onSave=${(png: Blob, name: string) => queue('signature', png, name ? `&signedBy=${encodeURIComponent(name)}` : '')} />
    </section>
  `;
}

/** The customer signs with a finger (pointer events: touch, pen and mouse alike); saved as a PNG. */
function SignaturePad({ onSave }: { onSave: (png: Blob, name: string) => Promise<void> }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [drawn, setDrawn] = useState(false);
  const [name, setName] = useState('');
  const last = useRef<{ x: number; y: number } | undefined>(undefined);
  const at = (e: PointerEvent) => {
    const box = canvas.current!.getBoundingClientRect();
    return { x: ((e.clientX - box.left) * canvas.current!.width) / box.width, y: ((e.clientY - box.top) * canvas.current!.height) / box.height };
  };
  const down = (e: PointerEvent) => {
    canvas.current!.setPointerCapture(e.pointerId);
    last.current = at(e);
  };
  const move = (e: PointerEvent) => {
    if (!last.current) return;
    const ctx = canvas.current!.getContext('2d')!;
    const point = at(e);
    ctx.lineWidth = 3;
    ctx.lineCap = 'round';
    ctx.strokeStyle = '#111827';
    ctx.beginPath();
    ctx.moveTo(last.current.x, last.current.y);
    ctx.lineTo(point.x, point.y);
    ctx.stroke();
    last.current = point;
    setDrawn(true);
  };
  const up = () => (last.current = undefined);
  const clear = () => {
    canvas.current!.getContext('2d')!.clearRect(0, 0, canvas.current!.width, canvas.current!.height);
    setDrawn(false);
  };
  const save = () =>
    canvas.current!.toBlob(async (png) => {
      if (!png) return;
      await onSave(png, name.trim());
      clear();
      setName('');
    }, 'image/png');
  return html`
    <canvas ref=${canvas} class="signature-pad" width="600" height="200" data-testid="signature-pad" onPointerDown=${down} onPointerMove=${move} onPointerUp=${up} onPointerCancel=${up}></canvas>
    <input type="text" placeholder="Customer's name" aria-label="Customer's name" value=${name} onInput=${(e: Event) => setName((e.target as HTMLInputElement).value)} data-testid="signed-by" />
    <p class="navigate">
      <button type="button" disabled=${!drawn} onClick=${save} data-testid="save-signature">Save signature</button>
      <button type="button" class="link" onClick=${clear}>Clear</button>
    </p>
  `;
}
