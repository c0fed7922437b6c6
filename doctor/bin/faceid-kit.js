#!/usr/bin/env node
// The `faceid-kit` command. Plain JavaScript outside dist/, so that npm links it in a fresh clone
// of the repository too (it links a workspace's bin only when the file exists at install time).
try {
  await import('../dist/src/main.js')
} catch (error) {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('main.js')) {
    process.stderr.write('faceid-kit: the doctor is not built: run `npm run build -w doctor` in the faceid-kit repository\n')
    process.exitCode = 3
  } else {
    throw error
  }
}
