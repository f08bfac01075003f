" Vim indent file for Rebate programs: one level (shiftwidth) inside each `{ }`, `( )` and `[ ]`.
if exists('b:did_indent')
  finish
endif
let b:did_indent = 1

setlocal indentexpr=GetRebateIndent(v:lnum)
setlocal indentkeys=0{,0},0),0],!^F,o,O
setlocal nolisp nosmartindent
let b:undo_indent = 'setlocal indentexpr< indentkeys< lisp< smartindent<'

if exists('*GetRebateIndent')
  finish
endif

" The line without its strings and comments, so that brackets inside them do not count.
function! s:Code(line) abort
  let l = substitute(a:line, '"\%([^"\\]\|\\.\)*"', '""', 'g')
  let l = substitute(l, '/\*.\{-}\*/', '', 'g')
  return substitute(l, '//.*$', '', '')
endfunction

function! GetRebateIndent(lnum) abort
  let prev = prevnonblank(a:lnum - 1)
  if prev == 0
    return 0
  endif
  let code = s:Code(getline(prev))
  let ind = indent(prev)
  " Brackets opened and not closed on the previous line open a level.
  let opened = len(substitute(code, '[^{([]', '', 'g')) - len(substitute(code, '[^})\]]', '', 'g'))
  " The previous line began with a closing bracket: it was dedented already.
  if code =~# '^\s*[})\]]'
    let opened += 1
  endif
  if opened > 0
    let ind += shiftwidth()
  elseif opened < 0
    let ind -= shiftwidth()
  endif
  if getline(a:lnum) =~# '^\s*[})\]]'
    let ind -= shiftwidth()
  endif
  return ind < 0 ? 0 : ind
endfunction
