/**
 * The relay's component logger: libp2p's own (`@libp2p/logger`), except that a
 * component or scope none of whose namespaces (`name`, `name:error`,
 * `name:trace`) is enabled in DEBUG gets a logger that does nothing.
 *
 * libp2p makes a logger for every stream it opens or accepts, and each of
 * `@libp2p/logger`'s is three debug instances whose making asks whether
 * stderr is a terminal: with thousands of peers pinging and being pinged,
 * about 4 % of the relay's thread went there with DEBUG unset. Which
 * namespaces are enabled is read when a logger is made, so DEBUG is read at
 * start, as it always was for the relay.
 */
import { defaultLogger, enabled } from '@libp2p/logger'
import type { ComponentLogger, Logger } from '@libp2p/interface'

export function quietLogger (): ComponentLogger {
  const loud = defaultLogger()
  const make = (name: string): Logger =>
    enabled(name) || enabled(`${name}:error`) || enabled(`${name}:trace`) ? loud.forComponent(name) : silent(name, make)
  return { forComponent: make }
}

function noop (): void {}

function silent (name: string, make: (name: string) => Logger): Logger {
  return Object.assign(function log () {}, {
    enabled: false,
    error: noop,
    trace: noop,
    // a scope may be enabled where its parent is not (DEBUG=libp2p:yamux:stream*)
    newScope: (scope: string) => make(`${name}:${scope}`)
  })
}
