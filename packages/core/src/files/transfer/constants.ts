/**
 * The block protocol and the transfer scheduler's limits.
 */
import { PROTOCOL_PREFIX } from '../../constants.js'
import { MAX_BLOCK_BYTES } from '../constants.js'

/** Blocks of shared files, asked for by CID (request/response over one stream per file and peer). */
export const BLOCKS_PROTOCOL = `${PROTOCOL_PREFIX}/blocks/2.0.0`

/** Largest block-protocol frame: a block, its CID and the frame header. */
export const MAX_BLOCK_FRAME_BYTES = MAX_BLOCK_BYTES + 256

/** Most CIDs one WANT or CANCEL frame may list. */
export const MAX_CIDS_PER_FRAME = 256

/** Most requests a server queues per stream; a client asking for more is cut off. */
export const MAX_QUEUED_WANTS = 256

/** Requests in flight per provider when a session starts, and the most it grows to. */
export const INITIAL_WINDOW = 8
export const MAX_WINDOW = 32

/** Once a provider's rate is known, its requests in flight hold about this many seconds of its deliveries. */
export const QUEUE_SECONDS = 1

/** A requested block that has not arrived after this long is asked of someone else. */
export const BLOCK_TIMEOUT_MS = 20_000

/**
 * A provider that does not announce what it holds (an older peer) and
 * answered MISSING for a block is asked for it again after this long: it may
 * be downloading the same file.
 */
export const LACK_RETRY_MS = 2_000

/**
 * While another downloader of the file announces its blocks, a provider is
 * asked for a random one of this many next blocks in file order (those no
 * one announced first), so that downloaders starting together fetch
 * different blocks and trade them.
 */
export const SPREAD_BLOCKS = 64

/**
 * A new provider is asked for nothing for this long unless it announces
 * what it holds first (its first HAVE comes as soon as it read our OPEN); an
 * older peer that does not announce is asked after it.
 */
export const ANNOUNCE_WAIT_MS = 500

/**
 * While another downloader of the file announces, a provider that holds
 * every block (the seeder) has at most this many of our requests in flight,
 * so the blocks come from it one downloader at a time and are traded.
 */
export const SEEDER_WINDOW = 4

/**
 * A request expected to take longer than this (s) to arrive from its
 * provider, at the provider's measured rate (before that is known: one
 * queued behind another), is cancelled and asked of a downloader that
 * announces the block: a seeder with a slow uplink, shared by several
 * downloaders, then sends each block about once.
 */
export const TAKE_BACK_SECONDS = 1

/** False announcements (MISSING for a block it announced) after which a provider is dropped for the file. */
export const MAX_FALSE_HAVES = 3

/** A stream with no request for this long is closed by the server. */
export const SERVER_IDLE_TIMEOUT_MS = 60_000

/** How often a download looks for more providers (DHT, room members) while it runs. */
export const PROVIDER_SEARCH_INTERVAL_MS = 10_000

/**
 * A download whose providers are reachable only over relayed connections too
 * limited for the rest of the file waits this long for a connection that can
 * carry it (a direct one) before it stops with a RelayLimitError.
 */
export const RELAY_LIMIT_GRACE_MS = 10_000

/** A provider that failed (not penalised) is retried after this long. */
export const PROVIDER_RETRY_MS = 3_000

/** Corrupt blocks after which a peer is ignored for every file for PENALTY_MS. */
export const MAX_STRIKES = 3
export const PENALTY_MS = 10 * 60_000

/** Progress events per transfer are at most this often. */
export const PROGRESS_INTERVAL_MS = 250

/** Download rate is averaged over this window. */
export const RATE_WINDOW_MS = 3_000

/** When few blocks are left, idle providers also ask for blocks in flight elsewhere (endgame). */
export const ENDGAME_BLOCKS = 8

/** Shared and completed files are announced again on the DHT this often (provider records expire). */
export const REPROVIDE_INTERVAL_MS = 30 * 60_000

/**
 * Segments a save into a picked file reads ahead of its writes (8 MiB at
 * most): as many as a provider's requests in flight (MAX_WINDOW), so a save
 * a little behind its download still gets each block handed over as it is
 * stored, rather than read back from IndexedDB, where its reads and the
 * download's writes wait for each other.
 */
export const SAVE_READ_AHEAD = 32

/**
 * Most bytes a save gathers into one write while the sink is busy with the
 * last (4 MiB): a browser writes a picked file one write at a time, each a
 * round trip to its browser process, so a save behind its download catches
 * up in fewer, larger writes.
 */
export const SAVE_WRITE_BYTES = 4 * 1024 * 1024

/** A range read of a file still downloading also fetches this much beyond it first (a player's read-ahead). */
export const PLAYBACK_AHEAD_BYTES = 8 * 1024 * 1024
