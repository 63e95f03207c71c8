// The console's build: one bundle for every stage (config.json is fetched at runtime), with relative asset URLs so
// the same files work under /console/ locally and at the root of a CloudFront distribution.
import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'
import { fileURLToPath } from 'node:url'

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  logLevel: 'warn'
})
