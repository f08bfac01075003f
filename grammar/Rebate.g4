// The grammar of the Rebate language: the whole surface syntax, for every construct in docs/language.md.
//
// Only compiler/parse/ sees the code ANTLR generates from this file; it turns the parse tree into the
// project's own AST (compiler/ast/) at once. Keep semantic rules out of here: the grammar accepts a little
// more than is valid (any identifier as a setting name, any expression as a band bound) so that the
// checker, not the parser, reports those mistakes with a precise code and a help line.
grammar Rebate;

// ---------------------------------------------------------------------------------------------------
// Files and declarations
// ---------------------------------------------------------------------------------------------------

file : item* EOF ;

// One declaration alone: after a syntax error the parser re-reads the file one declaration at a time,
// so that a mistake in one cannot swallow the declarations after it.
singleItem : item EOF ;

item
    : importDecl
    | programDecl
    | enumDecl
    | tableDecl
    | ledgerDecl
    | calendarDecl
    | constDecl
    | measureDecl
    | groupDecl
    | tiersDecl
    | decisionDecl
    | rebateDecl
    | awardDecl
    | metricDecl
    | budgetDecl
    | testDecl
    ;

// import "std/tiers"            (a module of the standard library)
// import "../shared/partners"   (a file relative to this one; ".rebate" may be left out)
importDecl : 'import' STRING ;

// program "Storage volume rebate 2026" { currency: USD  period: quarter  effective: 2026-01-01 .. 2026-12-31 }
programDecl : 'program' STRING '{' setting* '}' ;
setting     : ident ':' expr ;

// enum Tier { bronze, silver, gold, platinum }     (ordered: bronze < silver < ...)
enumDecl : 'enum' ident '{' ident (',' ident)* ','? '}' ;

// partner table partners { id: Text as key  tier: Tier  certified: Bool }
// fx table rates { base: Currency as base  quote: Currency as quote  day: Date as date  rate: Decimal as rate }
tableDecl  : (partnerMark='partner' | fxMark='fx')? 'table' ident '{' columnDecl* '}' ;
// ledger sales { invoice_date: Date as date  partner_id: Text as partner  amount: Money from "Net Amount" }
// payments ledger paid { partner_id: Text as partner  rebate: Text as rebate  period: Text as period  ... }
// claims ledger coop_claims { claim_id: Text as claim  partner_id: Text as partner  ... }   (a fund's claims)
ledgerDecl : (paymentsMark='payments' | claimsMark='claims')? 'ledger' ident '{' columnDecl* '}' ;
// `rounding MODE`: cells with more decimal places than the column keeps are rounded instead of refused.
columnDecl : ident ':' typeRef ('as' roles+=roleWord)* ('from' header=STRING)? ('rounding' rounding=ident)? ;
// A column's role: a name, or `rebate` (a payments ledger's column naming the rebate paid).
roleWord   : ident | 'rebate' ;
typeRef    : ident ('(' typeArg (',' typeArg)* ')')? optional='?'? ;
typeArg    : ident | INT ;

// calendar retail_445 { year_start: february  weeks: [4, 4, 5] }
calendarDecl : 'calendar' ident '{' setting* '}' ;

// const threshold = 100_000 USD
constDecl   : 'const' ident (':' typeRef)? '=' expr ;
// measure ev_revenue = sales.sum(amount where family == "EV") cap 1_000_000 USD
measureDecl : 'measure' ident (':' typeRef)? '=' expr measureLimit* ;
measureLimit: kind=('cap' | 'floor') expr ;

// group orders = sales by order_id { hardware_lines = sales.count(where family == "hardware") }
groupDecl  : 'group' name=ident '=' ledger=ident 'by' keys+=ident (',' keys+=ident)* '{' groupField* '}' ;
groupField : ident (':' typeRef)? '=' expr ;

// tiers volume retroactive { from 0 USD to 100_000 USD: 2%   from 100_000 USD: 4% }
tiersDecl : 'tiers' ident tierMode=('retroactive' | 'incremental') '{' tierBand* '}' ;
tierBand  : 'from' lower=expr ('to' upper=expr)? ':' value=expr ;

// decision regional_rate: Percent by partner.region, partner.tier { emea, >= gold => 3%   _, _ => 1% }
decisionDecl : 'decision' ident ':' typeRef 'by' inputs+=expr (',' inputs+=expr)* '{' decisionRow* '}' ;
decisionRow  : (pattern (',' pattern)* | other='otherwise') '=>' value=expr ;
pattern      : '_'                                  # wildcardPattern
             | alternative ('|' alternative)*       # alternativesPattern
             ;
// Comparisons are words, not `>=`: a row's value is an expression, and `4%` followed by a next row
// `>= 500_000 USD => 6%` would read as the comparison `4% >= 500_000 USD`.
alternative  : cmp=compareWord expr                       # comparePattern
             | lo=patternValue ('..' hi=patternValue)?    # valuePattern   // a value, or a range `a .. b`
             ;

compareWord  : 'above' | 'below' | 'at' 'least' | 'at' 'most' | 'not' ;
// A value at the start of a row is a literal or a name, never a formula: a leading `-` would read as
// part of the row above (`2% - 5`). Write a negative bound `(-5)` or use `below 0`.
patternValue : primary ('.' ident)* ;

// rebate storage_volume "Storage volume rebate" { eligible when partner.tier >= silver   pay volume of storage_revenue }
// fund coop "Co-op fund" { accrue 2% of purchases   pay claims from coop_claims   expire after 4 quarters }   (§27)
rebateDecl   : (fundMark='fund' | 'rebate') ident STRING? '{' rebateClause* '}' ;
rebateClause : 'eligible' 'when' cond=expr               # eligibleClause
             | 'require' cond=expr                       # requireClause
             | 'pay' value=expr ('when' cond=expr)?      # payClause
             | 'uplift' value=expr ('when' cond=expr)?   # upliftClause
             | 'accelerate' value=expr ('when' cond=expr)? # accelerateClause
             | 'cap' value=expr ('per' per=ident)?       # capClause
             | 'floor' value=expr ('per' per=ident)?     # floorClause
             | 'allow' 'negative'                        # allowNegativeClause
             // settle year_to_date against paid: pays what was earned to date less what `paid` says was paid
             | 'settle' window=ident? 'against' payments=ident   # settleClause
             // on negative claw back | on negative carry forward | on negative floor
             | 'on' 'negative' policy+=ident policy+=ident?      # onNegativeClause
             | 'rounding' roundingMode=ident ('to' places=expr)? # roundingClause
             // A fund's clauses: what it accrues each period, and the claims ledger it pays from.
             | 'accrue' value=expr                               # accrueClause
             | 'pay' 'claims' 'from' claims=ident                # claimsClause
             // expire after 4 quarters: each period's accrual pays claims for that long, then lapses
             | 'expire' 'after' after=expr                       # expireClause
             ;

// award next_level: Tier for next period { when revenue >= 1_000_000 USD => gold   otherwise => bronze }
awardDecl : 'award' ident ':' typeRef (next='for' 'next' 'period')? STRING? '{' awardRow* '}' ;
awardRow  : ('when' cond=expr | other='otherwise') '=>' value=expr ;

// metric fund_balance: Money "MDF balance" = accrued - claimed     (a value per partner and period, not paid)
metricDecl : 'metric' ident ':' typeRef STRING? '=' value=expr ;

// budget quarterly_pool = 2_000_000 USD per quarter for storage_volume, ev_rebate
budgetDecl : 'budget' name=ident '=' amount=expr ('per' per=ident)? ('for' rebates+=ident (',' rebates+=ident)*)? ;

// test "gold partner reaches 6%" { given sales (date, partner_id, amount) { (2026-07-03, "P1", 600_000 USD) }
//                                  expect storage_volume for "P1" in 2026-Q3 = 36_000 USD }
testDecl : 'test' STRING '{' testItem* '}' ;
testItem : 'given' source=ident '(' columns+=ident (',' columns+=ident)* ')' '{' testRow* '}'  # givenItem
         // A CSV fixture, read as `rebate run` reads the input; the path is relative to the program file.
         | 'given' source=ident 'from' path=STRING                                          # givenFileItem
         // The partner is a literal id: an expression would read `"P1" in 2026-Q3` as a membership test.
         | 'expect' rebate=ident 'for' partner=primary 'in' period=expr '=' amount=expr      # expectItem
         ;
testRow  : '(' expr (',' expr)* ','? ')' ;

// ---------------------------------------------------------------------------------------------------
// Expressions, from the tightest binding to the loosest
// ---------------------------------------------------------------------------------------------------

// The labels (lhs=, rhs=, ...) are for the AST builder: a label is a field set while parsing, where the
// generated accessors (expr(0), ident()) search the children with a dynamic_cast each.
expr
    : inner=primary                                                     # primaryExpr
    | target=expr '.' name=ident                                        # memberExpr
    | target=expr '.' name=ident '(' args=callArgs ')'                  # methodExpr
    | name=ident '(' args=callArgs ')'                                  # callExpr
    | op=('-' | '+') operand=expr                                       # unaryExpr
    | lhs=expr 'by' rhs=expr                                            # byExpr
    | lhs=expr op=('*' | '/' | 'of') rhs=expr                           # mulExpr
    | lhs=expr op=('+' | '-') rhs=expr                                  # addExpr
    | lhs=expr '..' rhs=expr                                            # rangeExpr
    | lhs=expr op=('==' | '!=' | '<' | '<=' | '>' | '>=') rhs=expr      # compareExpr
    | lhs=expr negated='not'? 'in' rhs=expr                             # inExpr
    | 'not' operand=expr                                                # notExpr
    | lhs=expr 'and' rhs=expr                                           # andExpr
    | lhs=expr 'or' rhs=expr                                            # orExpr
    | <assoc=right> lhs=expr 'otherwise' rhs=expr                       # otherwiseExpr
    | 'if' cond=expr 'then' yes=expr 'else' no=expr                     # ifExpr
    ;

// f(a, b), sales.sum(amount where family == "EV"), sales.count(), sales.count(where returned)
callArgs : (values+=callArg (',' values+=callArg)*)? ('where' where=expr)? ;
// An argument may be named: convert(amount, to: EUR, at: line_date). The checker says which calls take names.
callArg  : (label=ident ':')? value=expr ;

primary
    : number=(INT | DECIMAL) u=unit?              # numberLit      // 42, 1.5, 100_000 USD, 30 days
    | PERCENT                                     # percentLit
    | DATE                                        # dateLit
    | PERIOD                                      # periodLit
    | STRING                                      # stringLit
    | value=('true' | 'false')                    # boolLit
    | '[' (items+=expr (',' items+=expr)* ','?)? ']'  # listLit
    | '(' items+=expr (',' items+=expr)+ ','? ')'  # tupleLit       // (person, certification)
    | '(' inner=expr ')'                          # parenExpr
    | name=ident                                  # nameExpr
    ;

// The word after a number: a currency code (three capitals) or a duration. Only these, so that a number
// at the end of one clause never swallows the name that starts the next.
unit : CODE | 'day' | 'days' | 'week' | 'weeks' | 'month' | 'months' | 'quarter' | 'quarters' | 'year' | 'years' ;

// Words with a meaning in one place only are soft keywords: still usable as names elsewhere
// (a column may be called `cap`, a measure `floor`).
ident
    : IDENT | CODE | 'day' | 'days' | 'week' | 'weeks' | 'month' | 'months' | 'quarter' | 'quarters' | 'year'
    | 'years' | 'partner' | 'period' | 'next' | 'negative' | 'cap' | 'floor' | 'eligible' | 'require'
    | 'uplift' | 'accelerate' | 'allow' | 'rounding' | 'retroactive' | 'incremental' | 'per' | 'given'
    | 'expect' | 'to' | 'from' | 'as' | 'above' | 'below' | 'at' | 'least' | 'most'
    | 'payments' | 'settle' | 'against' | 'on' | 'fx' | 'metric' | 'fund' | 'accrue' | 'claims' | 'expire' | 'after'
    ;

// ---------------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------------

DATE    : DIGIT DIGIT DIGIT DIGIT '-' DIGIT DIGIT '-' DIGIT DIGIT ;
PERIOD  : DIGIT DIGIT DIGIT DIGIT '-' ( [QH] DIGIT | DIGIT DIGIT ) ;
PERCENT : (DIGITS | DIGITS '.' DIGITS) '%' ;
DECIMAL : DIGITS '.' DIGITS ;
INT     : DIGITS ;
STRING  : '"' ( ~["\\\r\n] | '\\' ~[\r\n] )* '"' ;
UNTERMINATED_STRING : '"' ( ~["\\\r\n] | '\\' ~[\r\n] )* '\\'? ;

WILDCARD : '_' ;
CODE     : [A-Z] [A-Z] [A-Z] ;   // USD, EUR: before IDENT, so a three-capital word is a CODE
IDENT    : [a-zA-Z_] [a-zA-Z0-9_]* ;

// Comments are kept on hidden channels, out of the parser's way: `///` doc comments on channel 2 (the AST
// builder attaches them to the declaration below), the others on HIDDEN for the formatter (compiler/format).
DOC_COMMENT   : '///' ~[\r\n]* -> channel(2) ;
LINE_COMMENT  : '//' ~[\r\n]* -> channel(HIDDEN) ;
BLOCK_COMMENT : '/*' .*? '*/' -> channel(HIDDEN) ;
// Longest match would let this swallow a closed comment and what follows; it may contain no `*/`.
UNTERMINATED_COMMENT : '/*' ( ~'*' | '*'+ ~[*/] )* '*'* EOF ;
WS            : [ \t\r\n\f]+ -> skip ;

// Any other character becomes a token of its own so that the parser, not the lexer, reports it once
// with a clear code instead of ANTLR's "token recognition error".
// Operators from other languages, lexed whole so that each gets one clear diagnostic.
FOREIGN_OPERATOR : '&&' | '&' | '||' | '!' | '===' | ';' ;
// 'EV': text in single quotes, read as text after one diagnostic.
SINGLE_QUOTED : '\'' ~['\r\n]* '\'' ;

UNEXPECTED_CHAR : . ;

fragment DIGIT  : [0-9] ;
fragment DIGITS : DIGIT ( '_'? DIGIT )* ;
