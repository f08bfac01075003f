-- Neovim's built-in LSP client for `rebate lsp`, the Rebate language server.
--
--   require('rebate.lsp').setup()                    -- every Rebate buffer starts (or joins) the server
--   require('rebate.lsp').setup({ cmd = { '/path/to/build/bin/rebate', 'lsp' } })
--
-- Options: cmd (default { 'rebate', 'lsp' }, or { vim.g.rebate_executable, 'lsp' } when that is set),
-- root_markers (the nearest folder holding one of them is the workspace; default { '.git' }; else the
-- file's folder), settings, init_options, capabilities, on_attach: passed on to the client.
-- Works with Neovim 0.7 (vim.lsp.start_client) and 0.8 and later (vim.lsp.start).
local M = {}

local defaults = {
  name = 'rebate',
  root_markers = { '.git' },
}

M.options = vim.deepcopy(defaults)

local function default_cmd()
  local exe = vim.g.rebate_executable or 'rebate'
  return { vim.fn.expand(exe), 'lsp' }
end

-- The nearest folder above `path` that holds one of the markers, or the file's own folder.
local function find_root(path, markers)
  local dir = vim.fn.fnamemodify(path, ':p:h')
  for _, marker in ipairs(markers or {}) do
    local found = vim.fn.finddir(marker, dir .. ';')
    if found == '' then
      found = vim.fn.findfile(marker, dir .. ';')
    end
    if found ~= '' then
      return vim.fn.fnamemodify(found, ':p:h:h')
    end
  end
  return dir
end

local warned = false

-- The client configuration for the buffer `bufnr`, or nil (with one warning) when the binary is missing.
function M.config(bufnr)
  local o = M.options
  local cmd = o.cmd or default_cmd()
  if vim.fn.executable(cmd[1]) ~= 1 then
    if not warned then
      warned = true
      vim.notify(
        string.format(
          "rebate.lsp: `%s` is not an executable; the Rebate language server is not started. "
            .. "Build it (bash scripts/build.sh makes build/bin/rebate) and pass cmd = { '/path/to/rebate', 'lsp' } "
            .. 'to setup(), or set g:rebate_executable.',
          cmd[1]
        ),
        vim.log.levels.WARN
      )
    end
    return nil
  end
  local file = vim.api.nvim_buf_get_name(bufnr)
  local root = find_root(file ~= '' and file or vim.fn.getcwd() .. '/x', o.root_markers)
  return {
    name = o.name,
    cmd = cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    settings = o.settings,
    init_options = o.init_options,
    capabilities = o.capabilities or vim.lsp.protocol.make_client_capabilities(),
    on_attach = o.on_attach,
  }
end

-- Starts the server for `bufnr` (the current buffer by default), or attaches the buffer to the server
-- already running for the same root. Returns the client id, or nil.
function M.start(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local config = M.config(bufnr)
  if not config then
    return nil
  end
  if vim.lsp.start then
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  -- Neovim 0.7: find a running client with the same name and root, else start one.
  for _, client in pairs(vim.lsp.get_active_clients()) do
    if client.name == config.name and client.config.root_dir == config.root_dir then
      vim.lsp.buf_attach_client(bufnr, client.id)
      return client.id
    end
  end
  local id = vim.lsp.start_client(config)
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end

-- Starts the server for every Rebate buffer, now and later.
function M.setup(opts)
  M.options = vim.tbl_deep_extend('force', vim.deepcopy(defaults), opts or {})
  warned = false
  local group = vim.api.nvim_create_augroup('rebate_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = 'rebate',
    callback = function(args)
      M.start(args.buf)
    end,
  })
  -- Buffers already open when setup() runs.
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.bo[buf].filetype == 'rebate' then
      M.start(buf)
    end
  end
end

return M
