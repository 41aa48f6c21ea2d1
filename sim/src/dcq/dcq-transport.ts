/**
 * The dcq transport on a simulated NIC: the real `@dcq/core` {@link Endpoint}, unchanged, behind the
 * {@link SimTransport} face that scenarios drive. Messages become bulk transfers, RPCs become
 * request/response pairs (the receiving side answers automatically with the requested response
 * size), tags travel as the notify's application metadata and the response size in its header.
 *
 * Allocation: this adapter copies delivered payloads and keeps handle→tag maps; that is simulation
 * bookkeeping outside the engine, whose hot paths stay allocation-free.
 */
import {
  type CryptoProvider,
  createSeededRandom,
  DependencyKind,
  Endpoint,
  type EndpointOptions,
  EventKind,
  EventView,
  LocalBufferRegistry,
  LocalStatus,
  NobleCryptoProvider,
  SubmitError,
  type TransmitInfo,
} from '@dcq/core';
import {
  fillPayload,
  type SimDelivery,
  type SimOutcome,
  type SimStateCounters,
  type SimTransferRequest,
  type SimTransport,
} from '../scenario/transport.js';

/** Options of a {@link DcqTransport}. */
export interface DcqTransportOptions {
  /** This NIC's host. */
  readonly host: number;
  /** Number of hosts: peer index `p` is host `p` (the network's `by-host` peer table). */
  readonly hostCount: number;
  /** Seed of this transport's random stream (data keys, challenge nonces). */
  readonly seed: number;
  /** Restart count of this host: the PSK epoch, so a restarted host never reuses its old keys. */
  readonly incarnation?: number;
  /** Pre-shared key from which every pair of hosts derives its path secret (32 bytes). */
  readonly psk: Uint8Array;
  /** Crypto provider; default: the portable noble provider with a seeded random source. */
  readonly provider?: CryptoProvider;
  /** Engine options overriding the defaults chosen here. */
  readonly endpoint?: Partial<EndpointOptions>;
  /** Buffer registry capacity (sealed payload buffers); default 4096. */
  readonly buffersMax?: number;
  /**
   * Bytes this transport may hold (the host's memory limit for it): half for sealed payloads (the
   * buffer registry's `bytesMax`: beyond it `submit` is refused BufferFull, i.e. backpressure), half
   * for reassembly (the engine's `reassemblyBytesMax`). Default: the registry's and engine's own.
   */
  readonly heldBytesMax?: number;
}

const RESPONSE_SIZE_HEADER_BYTES = 4;

/**
 * Most payload bytes a transport keeps for submissions the engine refused (backpressure). The runner
 * retries a refused row after every `handle*` call of its NIC and every retry interval, and
 * generating a W4 message (up to 10 MB) byte by byte on each retry dominated whole runs (384 s of
 * wall time for 50 ms of W4); a kept payload is generated once. Beyond this bound the oldest kept
 * payloads are dropped (and generated again if retried).
 */
export const REFUSED_PAYLOAD_BYTES_MAX = 64 * 1024 * 1024;

/** The PSK-mode identity of a simulated host (both sides of a path derive its secret from these). */
export function simHostIdentity(host: number): Uint8Array {
  const text = `sim-host-${host}`;
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** A completed delivery waiting for `pollDelivery`. */
interface PendingDelivery {
  readonly peer: number;
  readonly tag: number;
  readonly isResponse: boolean;
  readonly bytes: Uint8Array;
}

/** The real dcq engine as a {@link SimTransport}. */
export class DcqTransport implements SimTransport {
  readonly name = 'dcq';
  /** The engine (exposed for tests and scenario-specific inspection). */
  readonly endpoint: Endpoint;
  /** Name of the crypto provider in use (reported in results). */
  readonly cryptoProviderName: string;
  private readonly registry: LocalBufferRegistry;
  private readonly host: number;
  private readonly psk: Uint8Array;
  private readonly epochs: Uint32Array;
  private readonly view = new EventView();
  private readonly tagOfHandle = new Map<number, number>();
  private readonly handleOfTag = new Map<number, number>();
  /** Outcomes of tags whose transfer already ended (for dependency decisions). */
  private readonly endedStatusOfTag = new Map<number, number>();
  private readonly outcomes: number[] = [];
  private readonly deliveries: PendingDelivery[] = [];
  private deliveryHead = 0;
  private outcomeHead = 0;
  /** Responses the engine refused (backpressure), retried on every drain: [handle, tag, size]. */
  private readonly pendingResponses: number[] = [];
  /** Payloads of refused submissions by tag, oldest first (see {@link REFUSED_PAYLOAD_BYTES_MAX}). */
  private readonly refusedPayloads = new Map<number, Uint8Array>();
  private refusedPayloadBytes = 0;
  /** The latest time the driver passed in (events are drained between driver calls). */
  private lastNowUs = 0;
  private readonly header = new Uint8Array(RESPONSE_SIZE_HEADER_BYTES);
  private readonly headerView = new DataView(this.header.buffer);

  constructor(options: DcqTransportOptions) {
    this.host = options.host;
    this.psk = options.psk;
    const provider = options.provider ?? new NobleCryptoProvider({ random: createSeededRandom(options.seed) });
    this.cryptoProviderName = provider.name;
    const held = options.heldBytesMax;
    const half = held === undefined ? undefined : Math.max(1024, Math.floor(held / 2));
    this.registry = new LocalBufferRegistry({
      capacity: options.buffersMax ?? 4096,
      ...(half === undefined ? {} : { bytesMax: half }),
    });
    this.endpoint = new Endpoint({
      provider,
      buffers: this.registry,
      peersMax: options.hostCount,
      transfersMax: 4096,
      ...(half === undefined ? {} : { reassemblyBytesMax: half }),
      ...options.endpoint,
    });
    this.epochs = new Uint32Array(options.hostCount).fill(options.incarnation ?? 0);
    for (let peer = 0; peer < options.hostCount; peer++) {
      if (peer !== options.host) this.installPeer(peer, 0);
    }
  }

  private installPeer(peer: number, nowUs: number): void {
    this.endpoint.addPeer(
      peer,
      {
        psk: this.psk,
        localIdentity: simHostIdentity(this.host),
        peerIdentity: simHostIdentity(peer),
        epoch: this.epochs[peer] as number,
      },
      nowUs,
    );
  }

  // --- DatagramEndpoint: straight to the engine ---------------------------------------------------

  handleDatagram(nowUs: number, bytes: Uint8Array, offset: number, length: number, peer: number): void {
    this.lastNowUs = nowUs;
    this.endpoint.handleDatagram(nowUs, bytes, offset, length, peer);
  }

  handleTimeout(nowUs: number): void {
    this.lastNowUs = nowUs;
    this.endpoint.handleTimeout(nowUs);
  }

  pollTransmit(nowUs: number, out: Uint8Array, offset: number, info: TransmitInfo): number {
    this.lastNowUs = nowUs;
    return this.endpoint.pollTransmit(nowUs, out, offset, info);
  }

  pollTimeoutUs(): number {
    return this.endpoint.pollTimeoutUs();
  }

  // --- The application face -----------------------------------------------------------------------

  submit(nowUs: number, request: SimTransferRequest): number {
    this.lastNowUs = nowUs;
    this.drainEvents();
    let dependsOn: number[] | undefined;
    if (request.dependsOnTag >= 0) {
      const ended = this.endedStatusOfTag.get(request.dependsOnTag);
      if (ended === undefined) {
        const dependencyHandle = this.handleOfTag.get(request.dependsOnTag);
        if (dependencyHandle !== undefined) dependsOn = [this.endpoint.tokenOf(dependencyHandle)];
      } else if (ended !== 0 && request.dependencyCascades) {
        // The dependency already failed: a cascading edge fails this transfer without sending it.
        this.outcomes.push(request.tag, LocalStatus.DependencyFailed);
        return 0;
      }
    }
    const payload = this.payloadOf(request);
    const options = {
      priority: request.priority,
      metadata: request.tag,
      causal: true,
      ...(dependsOn === undefined
        ? {}
        : {
            dependsOn,
            dependencyKinds: request.dependencyCascades
              ? DependencyKind.ResponseReceivedCascade
              : DependencyKind.ResponseReceived,
          }),
    };
    let handle: number;
    if (request.responseSizeBytes > 0) {
      this.headerView.setUint32(0, request.responseSizeBytes);
      handle = this.endpoint.submitRequest(request.peer, payload, 0, payload.length, {
        ...options,
        header: this.header,
      });
    } else {
      handle = this.endpoint.submitBulk(request.peer, payload, 0, payload.length, options);
    }
    if (handle < 0) {
      if (handle !== SubmitError.WouldBlock && handle !== SubmitError.BufferFull) {
        this.forgetRefused(request.tag);
        return handle;
      }
      this.keepRefused(request.tag, payload);
      return -1;
    }
    this.forgetRefused(request.tag);
    this.tagOfHandle.set(handle, request.tag);
    this.handleOfTag.set(request.tag, handle);
    return handle;
  }

  /** The request's payload: the one kept from a refused submission of the same tag, else a fresh one. */
  private payloadOf(request: SimTransferRequest): Uint8Array {
    const kept = this.refusedPayloads.get(request.tag);
    if (kept !== undefined && kept.length === request.sizeBytes) return kept;
    const payload = new Uint8Array(request.sizeBytes);
    fillPayload(request.tag, false, payload, 0, payload.length);
    return payload;
  }

  private keepRefused(tag: number, payload: Uint8Array): void {
    if (this.refusedPayloads.get(tag) === payload) return;
    this.forgetRefused(tag);
    if (payload.length > REFUSED_PAYLOAD_BYTES_MAX) return;
    for (const [oldest, bytes] of this.refusedPayloads) {
      if (this.refusedPayloadBytes + payload.length <= REFUSED_PAYLOAD_BYTES_MAX) break;
      this.refusedPayloads.delete(oldest);
      this.refusedPayloadBytes -= bytes.length;
    }
    this.refusedPayloads.set(tag, payload);
    this.refusedPayloadBytes += payload.length;
  }

  private forgetRefused(tag: number): void {
    const kept = this.refusedPayloads.get(tag);
    if (kept === undefined) return;
    this.refusedPayloads.delete(tag);
    this.refusedPayloadBytes -= kept.length;
  }

  pollOutcome(out: SimOutcome): boolean {
    this.drainEvents();
    if (this.outcomeHead >= this.outcomes.length) return false;
    out.tag = this.outcomes[this.outcomeHead] as number;
    out.status = this.outcomes[this.outcomeHead + 1] as number;
    out.retransmissions = 0;
    this.outcomeHead += 2;
    if (this.outcomeHead === this.outcomes.length) {
      this.outcomes.length = 0;
      this.outcomeHead = 0;
    }
    return true;
  }

  pollDelivery(out: SimDelivery): boolean {
    this.drainEvents();
    if (this.deliveryHead >= this.deliveries.length) return false;
    const delivery = this.deliveries[this.deliveryHead] as PendingDelivery;
    this.deliveryHead++;
    if (this.deliveryHead === this.deliveries.length) {
      this.deliveries.length = 0;
      this.deliveryHead = 0;
    }
    out.peer = delivery.peer;
    out.tag = delivery.tag;
    out.isResponse = delivery.isResponse;
    out.bytes = delivery.bytes;
    out.offset = 0;
    out.length = delivery.bytes.length;
    return true;
  }

  stateCounters(out: SimStateCounters): void {
    const e = this.endpoint;
    out.transfers = e.transfersLive + e.receiversIndexed + e.heldNotifies;
    out.buffers = this.registry.liveCount;
    out.timers = e.timersActive;
    out.heldBytes = e.reassemblyBytesInUse + this.registry.bytesInUse;
  }

  private ended(handle: number, status: number): void {
    const tag = this.tagOfHandle.get(handle);
    if (tag === undefined) return;
    this.tagOfHandle.delete(handle);
    this.handleOfTag.delete(tag);
    this.endedStatusOfTag.set(tag, status);
    this.outcomes.push(tag, status);
  }

  private respondTo(handle: number, tag: number, responseSize: number): void {
    const response = new Uint8Array(responseSize);
    fillPayload(tag, true, response, 0, responseSize);
    if (this.endpoint.respond(handle, response, 0, responseSize, { metadata: tag }) < 0) {
      this.pendingResponses.push(handle, tag, responseSize);
    }
  }

  /** Moves every engine event into this adapter's queues, answering requests as it goes. */
  private drainEvents(): void {
    const view = this.view;
    if (this.pendingResponses.length > 0) {
      const retry = this.pendingResponses.splice(0, this.pendingResponses.length);
      for (let i = 0; i < retry.length; i += 3) {
        this.respondTo(retry[i] as number, retry[i + 1] as number, retry[i + 2] as number);
      }
    }
    while (this.endpoint.pollEvent(view)) {
      switch (view.event) {
        case EventKind.RequestReceived: {
          const tag = view.metadata;
          this.deliveries.push({ peer: view.peer, tag, isResponse: false, bytes: view.payloadCopy() });
          const responseSize =
            view.headerLength >= RESPONSE_SIZE_HEADER_BYTES
              ? new DataView(view.header.buffer, view.header.byteOffset + view.headerOffset, 4).getUint32(0)
              : 0;
          this.respondTo(view.handle, tag, responseSize);
          break;
        }
        case EventKind.ResponseReceived: {
          const tag = this.tagOfHandle.get(view.handle);
          if (tag !== undefined) {
            this.deliveries.push({ peer: view.peer, tag, isResponse: true, bytes: view.payloadCopy() });
          }
          this.ended(view.handle, 0);
          break;
        }
        case EventKind.TransferReceived:
          this.deliveries.push({ peer: view.peer, tag: view.metadata, isResponse: false, bytes: view.payloadCopy() });
          break;
        case EventKind.Completed:
          this.ended(view.handle, 0);
          break;
        case EventKind.Failed:
          this.ended(view.handle, view.status === 0 ? -1 : view.status);
          break;
        case EventKind.PeerReset:
          // The peer restarted with a new epoch: derive the next path secret with it.
          if (view.peer >= 0 && view.peer < this.epochs.length) {
            this.epochs[view.peer] = (this.epochs[view.peer] as number) + 1;
            this.installPeer(view.peer, this.lastNowUs);
          }
          break;
        default:
          break;
      }
    }
  }
}
