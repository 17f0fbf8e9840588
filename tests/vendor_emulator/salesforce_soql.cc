// The emulator's SOQL parser (salesforce_soql.h): a tokenizer and a
// recursive-descent parser for the subset the adapter sends.
#include "tests/vendor_emulator/salesforce_soql.h"

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace revhub::emulator {
namespace {

struct Token {
  enum class Kind { kWord, kString, kSymbol, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;
};

// Splits SOQL into words (identifiers, keywords, numbers and date-times),
// quoted strings and symbols.
absl::StatusOr<std::vector<Token>> Tokenize(absl::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '\'') {
      std::string text;
      ++i;
      while (i < s.size() && s[i] != '\'') {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        text.push_back(s[i++]);
      }
      if (i >= s.size())
        return absl::InvalidArgumentError("unterminated string literal");
      ++i;
      out.push_back({Token::Kind::kString, text});
    } else if (c == '(' || c == ')' || c == ',') {
      out.push_back({Token::Kind::kSymbol, std::string(1, c)});
      ++i;
    } else if (c == '<' || c == '>' || c == '=' || c == '!') {
      std::string op(1, c);
      if (i + 1 < s.size() && s[i + 1] == '=') op.push_back('=');
      if (op == "!") return absl::InvalidArgumentError("unexpected token: '!'");
      out.push_back({Token::Kind::kSymbol, op});
      i += op.size();
    } else if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_') {
      std::string text;
      // A date-time keeps its ':', '+', '-' and '.'; a name its '.'.
      const bool number = absl::ascii_isdigit(static_cast<unsigned char>(c));
      while (i < s.size() &&
             (absl::ascii_isalnum(static_cast<unsigned char>(s[i])) ||
              s[i] == '_' || s[i] == '.' ||
              (number && (s[i] == ':' || s[i] == '+' || s[i] == '-')))) {
        text.push_back(s[i++]);
      }
      out.push_back({Token::Kind::kWord, text});
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected token: '", std::string(1, c), "'"));
    }
  }
  out.push_back({Token::Kind::kEnd, ""});
  return out;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  absl::StatusOr<SoqlQuery> Query() {
    SoqlQuery q;
    if (!Keyword("SELECT")) return Error("expected SELECT");
    if (absl::Status s = Fields(&q.fields, &q.subquery, true); !s.ok())
      return s;
    if (!Keyword("FROM")) return Error("expected FROM");
    if (!Name(&q.from)) return Error("expected an object after FROM");
    if (Keyword("WHERE")) {
      do {
        SoqlCondition c;
        if (!Name(&c.field)) return Error("expected a field in WHERE");
        if (Peek().kind != Token::Kind::kSymbol || Peek().text == "(" ||
            Peek().text == ")" || Peek().text == ",") {
          return Error("expected a comparison operator");
        }
        c.op = Next().text;
        absl::StatusOr<SoqlLiteral> v = Literal();
        if (!v.ok()) return v.status();
        c.value = *v;
        q.where.push_back(c);
      } while (Keyword("AND"));
    }
    if (Keyword("ORDER")) {
      if (!Keyword("BY")) return Error("expected BY after ORDER");
      do {
        SoqlOrder o;
        if (!Name(&o.field)) return Error("expected a field in ORDER BY");
        if (Keyword("DESC")) {
          o.descending = true;
        } else {
          Keyword("ASC");
        }
        q.order_by.push_back(o);
      } while (Symbol(","));
    }
    if (Keyword("LIMIT")) {
      int64_t n = 0;
      if (Peek().kind != Token::Kind::kWord ||
          !absl::SimpleAtoi(Next().text, &n) || n < 0) {
        return Error("expected a number after LIMIT");
      }
      q.limit = n;
    }
    if (Peek().kind != Token::Kind::kEnd)
      return Error(absl::StrCat("unexpected token: '", Peek().text, "'"));
    return q;
  }

 private:
  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Next() {
    const Token& t = tokens_[pos_];
    if (t.kind != Token::Kind::kEnd) ++pos_;
    return t;
  }
  bool Keyword(absl::string_view word) {
    if (Peek().kind == Token::Kind::kWord &&
        absl::EqualsIgnoreCase(Peek().text, word)) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool Symbol(absl::string_view symbol) {
    if (Peek().kind == Token::Kind::kSymbol && Peek().text == symbol) {
      ++pos_;
      return true;
    }
    return false;
  }
  static bool Reserved(absl::string_view w) {
    for (const char* k : {"SELECT", "FROM", "WHERE", "AND", "OR", "ORDER", "BY",
                          "LIMIT", "ASC", "DESC", "NOT"}) {
      if (absl::EqualsIgnoreCase(w, k)) return true;
    }
    return false;
  }
  bool Name(std::string* out) {
    const Token& t = Peek();
    if (t.kind != Token::Kind::kWord || Reserved(t.text) ||
        absl::ascii_isdigit(static_cast<unsigned char>(t.text[0]))) {
      return false;
    }
    *out = Next().text;
    return true;
  }
  absl::Status Error(absl::string_view message) const {
    return absl::InvalidArgumentError(
        absl::StrCat(message, " near token ", pos_ + 1));
  }
  absl::Status Fields(std::vector<std::string>* fields,
                      std::optional<SoqlSubquery>* subquery, bool top) {
    do {
      if (top && Symbol("(")) {
        if (subquery->has_value())
          return Error("only one parent-child subquery is supported");
        SoqlSubquery sub;
        if (!Keyword("SELECT")) return Error("expected SELECT in subquery");
        if (absl::Status s = Fields(&sub.fields, nullptr, false); !s.ok())
          return s;
        if (!Keyword("FROM")) return Error("expected FROM in subquery");
        if (!Name(&sub.relationship))
          return Error("expected a relationship in subquery");
        if (!Symbol(")")) return Error("expected ) after subquery");
        *subquery = sub;
        continue;
      }
      std::string f;
      if (!Name(&f)) return Error("expected a field");
      fields->push_back(f);
    } while (Symbol(","));
    return absl::OkStatus();
  }
  absl::StatusOr<SoqlLiteral> Literal() {
    const Token t = Next();
    SoqlLiteral v;
    if (t.kind == Token::Kind::kString) {
      v.kind = SoqlLiteral::Kind::kString;
      v.text = t.text;
      return v;
    }
    if (t.kind != Token::Kind::kWord) return Error("expected a value");
    if (absl::EqualsIgnoreCase(t.text, "true") ||
        absl::EqualsIgnoreCase(t.text, "false")) {
      v.kind = SoqlLiteral::Kind::kBool;
      v.truth = absl::EqualsIgnoreCase(t.text, "true");
      return v;
    }
    if (absl::EqualsIgnoreCase(t.text, "null")) return v;
    v.text = t.text;
    if (std::optional<int64_t> ms = DateTimeMillis(t.text)) {
      v.kind = SoqlLiteral::Kind::kDateTime;
      v.millis = *ms;
      return v;
    }
    absl::Time day;
    std::string err;
    if (absl::ParseTime("%Y-%m-%d", t.text, absl::UTCTimeZone(), &day, &err)) {
      v.kind = SoqlLiteral::Kind::kDate;
      return v;
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "value of filter criterion is not of the field's type: ", t.text));
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

}  // namespace

std::optional<int64_t> DateTimeMillis(absl::string_view text) {
  if (text.size() < 20 || text[10] != 'T') return std::nullopt;
  for (const char* format :
       {"%Y-%m-%d%ET%H:%M:%E*S%Ez", "%Y-%m-%d%ET%H:%M:%E*S%z"}) {
    absl::Time t;
    std::string err;
    if (absl::ParseTime(format, text, absl::UTCTimeZone(), &t, &err))
      return absl::ToUnixMillis(t);
  }
  return std::nullopt;
}

absl::StatusOr<SoqlQuery> ParseSoql(absl::string_view soql) {
  absl::StatusOr<std::vector<Token>> tokens = Tokenize(soql);
  if (!tokens.ok()) return tokens.status();
  return Parser(std::move(*tokens)).Query();
}

}  // namespace revhub::emulator
