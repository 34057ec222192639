/**
 * The e2e and relay test helpers import each other as `./x.js` (TypeScript's
 * nodenext convention, which Playwright and vitest map to `./x.ts`); Node's
 * type stripping does not. With this module loaded, a relative `.js` import
 * that does not exist resolves to the `.ts` file beside it, so the bench can
 * run those helpers (the NAT lab) as they are. It must be evaluated before
 * such a module is linked: import it statically, then import those modules
 * (or a bench module that imports them) dynamically.
 */
import { registerHooks } from 'node:module'

registerHooks({
  resolve (specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context)
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && /^\.{1,2}\/.*\.js$/.test(specifier)) {
        return nextResolve(`${specifier.slice(0, -3)}.ts`, context)
      }
      throw err
    }
  }
})
