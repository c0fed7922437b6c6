/**
 * The shell of the emulators' sandbox pages (the Tencent H5 page, WeBank's H5 login page): one
 * look, escaped text, and the headers a page holding a token needs.
 */

export interface PageReply {
  status: number
  headers: Record<string, string>
  body: string
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** `main` is trusted markup; the title is escaped here. */
export function sandboxPage(status: number, title: string, main: string): PageReply {
  const body = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: -apple-system, "PingFang SC", "Microsoft YaHei", sans-serif; margin: 0; padding: 24px; background: #f5f6f7; color: #222; }
main { max-width: 420px; margin: 0 auto; background: #fff; border-radius: 12px; padding: 24px; }
h1 { font-size: 20px; margin: 0 0 8px; }
p.note { color: #888; font-size: 13px; }
button { display: block; width: 100%; padding: 12px; margin: 12px 0 0; font-size: 16px; border: 0; border-radius: 8px; }
.pass { background: #07c160; color: #fff; } .fail { background: #fa5151; color: #fff; } .abandon { background: #eee; }
select, input { font-size: 15px; padding: 6px; margin-top: 12px; }
</style>
</head>
<body><main>
${main}
</main></body>
</html>
`
  // The page holds a token: no cache keeps it, no Referer carries it.
  return { status, headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' }, body }
}
