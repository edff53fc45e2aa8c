#pragma once
/// \file
/// `cistern::sql::token`: one lexical token of a statement, as sql::tokenize() returns it.

#include <cstdint>
#include <string>
#include <string_view>

namespace cistern::sql {

/// What a token is.
enum class token_kind : std::uint8_t {
    word,          ///< keyword or bare identifier; `lower` holds it lower-cased
    quoted_ident,  ///< "x", `x` or [x]; `lower` holds the unquoted name (case kept)
    string,        ///< string, bit-string or blob literal (also dollar-quoted); `lower` holds the content
    number,        ///< numeric literal (unsigned; a sign is an op token)
    parameter,     ///< ?, ?1, $1, :name, @name, $name
    op,            ///< operator: = <> != <= >= < > + - * / || :: -> and the like, and [ ] subscripts
    lparen,
    rparen,
    comma,
    semicolon,
    dot
};

/// One token. `text` views the statement the tokens were made from: the statement must
/// outlive the tokens.
struct token {
    token_kind kind;       ///< what sort of token it is
    std::string_view text; ///< the token as written in the statement
    std::string lower;     ///< words: lower-cased; quoted identifiers: the name; strings: the content
    int depth = 0;         ///< parenthesis depth at the token (a '(' has the outer depth)
    /// Strings: the prefix letter as written upper-cased ('E', 'X', 'B', 'N', 'U'), '$' for
    /// a dollar-quoted string, 0 for a plain '...' literal. Other tokens: 0.
    char prefix = 0;

    /// True for a bare word equal to `w` (which must be lower case).
    bool is_word(std::string_view w) const noexcept { return kind == token_kind::word && lower == w; }
    /// True for the operator `o` as written.
    bool is_op(std::string_view o) const noexcept { return kind == token_kind::op && text == o; }
    /// True for a bare or quoted identifier-like token (keywords included for bare words).
    bool is_name() const noexcept { return kind == token_kind::word || kind == token_kind::quoted_ident; }
    /// True for a string, number or parameter.
    bool is_literal() const noexcept {
        return kind == token_kind::string || kind == token_kind::number || kind == token_kind::parameter;
    }
};

} // namespace cistern::sql
