" Writes the syntax group of every byte of the current buffer to $REBATE_SYNTAX_OUT: one output line per
" buffer line, the groups separated by spaces, `-` where there is none. Run by vim_syntax_test.py.
let s:out = []
for s:l in range(1, line('$'))
  let s:names = []
  for s:c in range(1, col([s:l, '$']) - 1)
    let s:name = synIDattr(synID(s:l, s:c, 1), 'name')
    call add(s:names, empty(s:name) ? '-' : s:name)
  endfor
  call add(s:out, join(s:names, ' '))
endfor
call writefile(s:out, $REBATE_SYNTAX_OUT)
