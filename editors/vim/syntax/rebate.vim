" Vim syntax file
" Language:    Rebate (partner rebate programs, .rebate files)
" Maintainer:  the Rebate toolchain (editors/vim in its repository)
"
" The same token classes as the TextMate grammar of the VS Code extension
" (editors/vscode/syntaxes/rebate.tmLanguage.json); tests/editors/vim_syntax_test.py checks every token of
" the grammar's reviewed snapshots against the groups below (the scope -> group table is in that test).
"
" Every word is a `syn match`, not a `syn keyword`: a keyword would win over the matches that tell the
" soft keywords apart by their context (`partner table`, `cap:` as a column name, `for next period`).
" Among matches that start at the same place, the one defined last wins; the order below relies on it.

if exists('b:current_syntax')
  finish
endif
let s:cpo_save = &cpo
set cpo&vim

syn case match
syn iskeyword a-z,A-Z,48-57,_

" ---- Expressions --------------------------------------------------------------------------------------

" Any character that starts no token is a lexical error (the lexer's UNEXPECTED_CHAR); first, so that
" everything below wins over it.
syn match rebateUnexpectedChar  #[^ \t\r\na-zA-Z0-9_{}()[\],:.=<>!+*/|?&;"-]#

" Names used as a function or a member.
syn match rebateCall            "\<\h\w*\ze("
syn match rebateBuiltinFunction "\<\%(min\|max\|abs\|round\|previous\|last_year\|year_to_date\|starts_with\|ends_with\|contains\|upper\|lower\|length\|convert\)\ze\s*("

" Types: the built-in ones, currency codes, other capitalised names (enums).
syn match rebateType            "\<\u\w*\>"
syn match rebateCurrency        "\<\u\u\u\>"
syn match rebateBuiltinType     "\<\%(Int\|Decimal\|Money\|Percent\|Date\|Duration\|Period\|Text\|Bool\)\>"

" Words.
syn match rebateLanguageVar     "\<\%(partner\|period\)\>"
syn match rebateTierMode        "\<\%(retroactive\|incremental\)\>"
syn match rebateKeyword         "\<\%(as\|from\|to\|for\|per\|next\)\>"
syn match rebateOperatorWord    "\<\%(in\|of\|by\)\>"
syn match rebateCompareWord     "\<\%(above\|below\)\>"
syn match rebateCompareWord     "\<at\s\+\%(least\|most\)\>"
syn match rebateLogical         "\<\%(and\|or\|not\)\>"
syn match rebateConditional     "\<\%(if\|then\|else\|when\|where\|otherwise\)\>"
syn match rebateClause          "\<\%(eligible\|require\|pay\|uplift\|accelerate\|cap\|floor\|allow\|negative\|rounding\|settle\|against\|accrue\|expire\|after\)\>"
syn match rebateClause          "\<on\ze\s\+negative\>"
" A fund's `pay claims from LEDGER`, and the day of a `convert`'s rate after `at:` (names elsewhere).
syn match rebateClause          "\%(\<pay\s\+\)\@<=claims\ze\s\+from\>"
syn match rebateConvertDay      "\%(\<at:\s*\)\@<=\%(line_date\|period_end\|period_average\)\>"
syn match rebateTestKeyword     "\<\%(given\|expect\)\>"
syn match rebateKeyword         "\<for\s\+next\s\+period\>"
syn match rebateRole            "\%(\<as\s\+\)\@<=\h\w*"
syn match rebateGrain           "\%(\<per\s\+\)\@<=\%(month\|quarter\|year\)\>"
syn match rebateRoundingMode    "\<\%(half_even\|half_up\)\>"
syn match rebateRoundingMode    "\%(\<rounding\s*:\=\s*\)\@<=\%(half_even\|half_up\|down\|up\)\>"

" After a `.` (not the range `..`): a member, or an aggregate of a ledger or a group.
syn match rebateMember          "\%(\%(^\|[^.]\)\.\s*\)\@<=\h\w*"
syn match rebateAggregate       "\%(\%(^\|[^.]\)\.\s*\)\@<=\%(sum\|count_distinct\|count\|min\|max\|avg\)\ze\s*("

" Literals. The number rules come in the lexer's order of preference: a date over a period over a
" percent over a number with its unit over a plain number.
syn match rebateBoolean         "\<\%(true\|false\)\>"
syn match rebateWildcard        "\<_\>"
syn match rebateInteger         "\<\d\%(_\=\d\)*"
syn match rebateDecimal         "\<\d\%(_\=\d\)*\.\d\%(_\=\d\)*"
" 100_000 USD, 99.95 EUR, 30 days: the number and its unit are one literal.
syn match rebateUnitLiteral     "\<\d\%(_\=\d\)*\%(\.\d\%(_\=\d\)*\)\=\s*\%(\u\u\u\|days\=\|weeks\=\|months\=\|quarters\=\|years\=\)\>"
      \ transparent contains=rebateInteger,rebateDecimal,rebateCurrencyUnit,rebateDurationUnit
syn match rebateCurrencyUnit    "\u\u\u\>" contained
syn match rebateDurationUnit    "\%(days\=\|weeks\=\|months\=\|quarters\=\|years\=\)\>" contained
syn match rebatePercent         "\<\d\%(_\=\d\)*\%(\.\d\%(_\=\d\)*\)\=%"
syn match rebatePeriod          "\<\d\{4}-\%([QH]\d\|\d\d\)"
syn match rebateDate            "\<\d\{4}-\d\d-\d\d"

" Operators; the ones from other languages are errors (each has its own diagnostic).
syn match rebateOperator        "[-+*/=<>|?]\|\.\.\|==\|!=\|<=\|>=\|=>"
syn match rebateForeignOperator "===\|&&\|||\|&\|!=\@!\|;"
syn match rebateDelimiter       "[][{}(),:.]"
syn match rebateOperator        "\.\."

" Text. A string with no closing quote on its line is an error, as is text in single quotes.
syn region rebateString         start=+"+ skip=+\\\\\|\\"+ end=+"+ end=+$+ oneline contains=rebateEscape,@Spell
syn match rebateUnterminatedString +"\%([^"\\]\|\\.\)*\\\=$+
syn match rebateEscape          +\\[nt"\\]+ contained
syn match rebateSingleQuoted    "'[^']*'"

" ---- Declarations ---------------------------------------------------------------------------------------

syn match rebateInclude         "\<import\>"
syn match rebateDeclaration     "\<\%(program\|test\)\>"
syn match rebateDeclaration     "\<\%(table\|ledger\|calendar\)\>" nextgroup=rebateTypeDef skipwhite
syn match rebateDeclaration     "\<\%(measure\|decision\|rebate\|award\|metric\|budget\|fund\)\>" nextgroup=rebateDefinition skipwhite
syn match rebateDeclaration     "\<const\>" nextgroup=rebateConstantDef skipwhite
syn match rebatePartnerModifier "\<partner\ze\s\+table\>"
syn match rebatePartnerModifier "\<fx\ze\s\+table\>"
syn match rebatePartnerModifier "\<payments\ze\s\+ledger\>"
syn match rebatePartnerModifier "\<claims\ze\s\+ledger\>"
" `as rebate`: a payments ledger's role, not a declaration (defined after them, so it wins).
syn match rebateRole            "\%(\<as\s\+\)\@<=rebate\>"
syn match rebateTypeDef         "\h\w*" contained
syn match rebateDefinition      "\h\w*" contained
syn match rebateConstantDef     "\h\w*" contained

" A setting, a column or a group field: `NAME:` (a currency code before `:` ends a tier bound).
syn match rebateProperty        "\<\%(\u\u\u\>\)\@!\h\w*\ze\s*:"
syn match rebateGrain           "\%(\<period\s*:\s*\)\@<=\%(month\|quarter\|year\)\>"

" enum Tier { bronze, silver }: the members.
syn match rebateDeclaration     "\<enum\>" nextgroup=rebateEnumName skipwhite skipnl
syn match rebateEnumName        "\h\w*" contained nextgroup=rebateEnumBody skipwhite skipnl
syn region rebateEnumBody       matchgroup=rebateDelimiter start="{" end="}" contained transparent
      \ contains=rebateEnumMember,rebateDelimiter,@rebateComments
syn match rebateEnumMember      "\<\h\w*\>" contained

" tiers NAME MODE { from A to B: RATE ... }: no `NAME:` settings inside (a bound can be a name).
syn match rebateDeclaration     "\<tiers\>" nextgroup=rebateTiersName skipwhite skipnl
syn match rebateTiersName       "\h\w*" contained nextgroup=rebateTiersMode,rebateTiersBody skipwhite skipnl
syn match rebateTiersMode       "\<\%(retroactive\|incremental\)\>" contained nextgroup=rebateTiersBody skipwhite skipnl
syn region rebateTiersBody      matchgroup=rebateDelimiter start="{" end="}" contained transparent contains=@rebateExpression,rebateBand
syn match rebateBand            "\<\%(from\|to\)\>" contained

" group NAME = LEDGER by KEY { FIELD = FORMULA ... }
syn match rebateDeclaration     "\<group\>" nextgroup=rebateGroupName skipwhite
syn match rebateGroupName       "\h\w*" contained
syn match rebateGroupField      "^\s*\zs\h\w*\ze\s*=[=>]\@!" contained
syn region rebateGroupBody      matchgroup=rebateDelimiter start="\%(\<group\s\+\h\w*\s*=[^{]*\)\@<={" end="}" transparent
      \ contains=@rebateExpression,rebateGroupField,rebateProperty

" Comments last: nothing inside them is anything else.
syn match rebateComment         "//.*$" contains=@Spell
syn match rebateDocComment      "///.*$" contains=@Spell
syn region rebateBlockComment   start="/\*" end="\*/" contains=@Spell

syn cluster rebateComments contains=rebateComment,rebateDocComment,rebateBlockComment
syn cluster rebateExpression contains=@rebateComments,rebateCall,rebateBuiltinFunction,rebateMember,
      \rebateAggregate,rebateType,rebateCurrency,rebateBuiltinType,rebateLanguageVar,rebateTierMode,
      \rebateKeyword,rebateOperatorWord,rebateCompareWord,rebateLogical,rebateConditional,rebateClause,
      \rebateTestKeyword,rebateRole,rebateConvertDay,rebateGrain,rebateRoundingMode,rebateBoolean,rebateWildcard,
      \rebateInteger,rebateDecimal,rebateUnitLiteral,rebatePercent,rebatePeriod,rebateDate,rebateOperator,
      \rebateForeignOperator,rebateUnexpectedChar,rebateDelimiter,rebateString,rebateUnterminatedString,rebateSingleQuoted

syn sync minlines=50

hi def link rebateComment            Comment
hi def link rebateDocComment         SpecialComment
hi def link rebateBlockComment       Comment
hi def link rebateString             String
hi def link rebateEscape             SpecialChar
hi def link rebateUnterminatedString Error
hi def link rebateSingleQuoted       Error
hi def link rebateForeignOperator    Error
hi def link rebateUnexpectedChar     Error
hi def link rebateInclude            Include
hi def link rebateDeclaration        Structure
hi def link rebatePartnerModifier    StorageClass
hi def link rebateTierMode           StorageClass
hi def link rebateTiersMode          rebateTierMode
hi def link rebateTypeDef            Typedef
hi def link rebateEnumName           rebateTypeDef
hi def link rebateGroupName          rebateTypeDef
hi def link rebateDefinition         Function
hi def link rebateTiersName          rebateDefinition
hi def link rebateConstantDef        Identifier
hi def link rebateEnumMember         Constant
hi def link rebateProperty           Identifier
hi def link rebateGroupField         rebateProperty
hi def link rebateMember             Identifier
hi def link rebateLanguageVar        Special
hi def link rebateClause             Statement
hi def link rebateConditional        Conditional
hi def link rebateLogical            Operator
hi def link rebateOperatorWord       Operator
hi def link rebateCompareWord        Operator
hi def link rebateOperator           Operator
hi def link rebateKeyword            Keyword
hi def link rebateBand               rebateKeyword
hi def link rebateTestKeyword        Keyword
hi def link rebateBoolean            Boolean
hi def link rebateWildcard           Special
hi def link rebateInteger            Number
hi def link rebateDecimal            Float
hi def link rebatePercent            Number
hi def link rebateDate               Constant
hi def link rebatePeriod             Constant
hi def link rebateCurrencyUnit       Type
hi def link rebateDurationUnit       Type
hi def link rebateCurrency           Constant
hi def link rebateRoundingMode       Constant
hi def link rebateGrain              Constant
hi def link rebateRole               Constant
hi def link rebateConvertDay         Constant
hi def link rebateBuiltinType        Type
hi def link rebateType               Type
hi def link rebateAggregate          Function
hi def link rebateBuiltinFunction    Function
hi def link rebateCall               Function
hi def link rebateDelimiter          Delimiter

let b:current_syntax = 'rebate'
let &cpo = s:cpo_save
unlet s:cpo_save
