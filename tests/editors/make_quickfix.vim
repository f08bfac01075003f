" Runs :make on the current buffer (compiler/rebate.vim, set by the ftplugin) and writes the quickfix list
" as JSON to $REBATE_QF_OUT: file, line, column, type, text and validity of each entry, and the compiler's
" makeprg. Run by vim_make_test.py.
silent make!
let s:entries = []
for s:e in getqflist()
  call add(s:entries, {'file': s:e.bufnr > 0 ? fnamemodify(bufname(s:e.bufnr), ':p') : '',
        \ 'lnum': s:e.lnum, 'col': s:e.col, 'type': s:e.type, 'text': s:e.text, 'valid': s:e.valid})
endfor
call writefile([json_encode({'makeprg': &l:makeprg, 'compiler': get(b:, 'current_compiler', get(g:, 'current_compiler', '')),
      \ 'commentstring': &l:commentstring, 'shiftwidth': &l:shiftwidth, 'entries': s:entries})], $REBATE_QF_OUT)
