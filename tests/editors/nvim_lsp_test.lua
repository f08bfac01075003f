-- Run by nvim_lsp_test.py in a headless Neovim: editors/vim/lua/rebate/lsp.lua with the server command
-- $REBATE_TEST_SERVER_CMD (a JSON list: `rebate lsp`) on $REBATE_TEST_FILE; writes what
-- happened as JSON to $REBATE_TEST_OUT.
local out = {}
local function finish()
  vim.fn.writefile({ vim.fn.json_encode(out) }, os.getenv('REBATE_TEST_OUT'))
  vim.cmd('qa!')
end

-- A missing binary: one warning, no client.
local notes = {}
local notify = vim.notify
vim.notify = function(msg, level)
  table.insert(notes, { msg = msg, level = level })
end
local lsp = require('rebate.lsp')
lsp.setup({ cmd = { '/nonexistent/rebate', 'lsp' } })
vim.cmd('edit ' .. vim.fn.fnameescape(os.getenv('REBATE_TEST_FILE')))
out.filetype = vim.bo.filetype
out.missing_warnings = notes
out.missing_clients = #vim.lsp.get_active_clients()
vim.cmd('bwipeout!')
vim.notify = notify

-- The server: it publishes the diagnostics of the file on didOpen and answers hovers.
lsp.setup({ cmd = vim.fn.json_decode(os.getenv('REBATE_TEST_SERVER_CMD')) })
vim.cmd('edit ' .. vim.fn.fnameescape(os.getenv('REBATE_TEST_FILE')))
local buf = vim.api.nvim_get_current_buf()
out.attached = vim.wait(10000, function()
  return #vim.lsp.buf_get_clients(buf) > 0
end, 50)
out.got_diagnostics = vim.wait(10000, function()
  return #vim.diagnostic.get(buf) > 0
end, 50)
out.diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  table.insert(out.diagnostics, { lnum = d.lnum, col = d.col, message = d.message, severity = d.severity })
end
local params = { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = 4, character = 13 } }
local replies = vim.lsp.buf_request_sync(buf, 'textDocument/hover', params, 5000) or {}
out.hover = {}
for _, reply in pairs(replies) do
  if reply.result and reply.result.contents then
    table.insert(out.hover, reply.result.contents.value)
  end
end
for _, client in pairs(vim.lsp.get_active_clients()) do
  out.client_name = client.name
  out.root_dir = client.config.root_dir
  client.stop()
end
vim.wait(3000, function()
  return #vim.lsp.get_active_clients() == 0
end, 50)
finish()
