import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The console is served by Gridlink itself at /console (src/http/console.ts).
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: '../dist/console',
    emptyOutDir: true,
    assetsInlineLimit: 4096,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    // `npx vite console` during development: the API is the running platform.
    proxy: {
      '/tmf-api': 'http://localhost:8080',
      '/socket.io': { target: 'ws://localhost:8080', ws: true },
    },
  },
});
