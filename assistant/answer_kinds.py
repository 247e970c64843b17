"""What kind of answer a question asks for, and whether a text gives one.

"How much ...?" asks for an amount, "when did ...?" for a date, "who chairs ...?" for a
person or post, "what did the pathfinders find?" for findings. The guard
(:mod:`assistant.guard`) refuses when the evidence chosen lacks what was asked; the
evidence chooser (:mod:`assistant.evidence`) asks only whether a question asks for a score.
"""

from __future__ import annotations

import re

# Months by name, for dates given and asked.
MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
# What a "how much / how many" question needs the evidence to hold.
_MONEY_ASKED = re.compile(r"\bhow much\b[^?]{0,80}\b(put(ting)?|pa(y|id|ying)|charg\w*|contribut\w*|spen[dt]\w*|cost(s|ing)?|"
                          r"allocat\w*|invest\w*|sav(e|ed|es|ing|ings))\b|"
                          # "how big was the pooled budget?", "the maximum direct payment"
                          r"\b(how much|how big|how large|total|overall|annual|yearly|maximum|minimum|biggest|"
                          r"largest|smallest)\b"
                          r"[^?]{0,40}\b(fund\w*|money|budget\w*|spen[dt]\w*|cost\w*|value|income|"
                          r"grant\w*|invest\w*|rate|price|fee|tariff|charge|wage|payment|allowance)s?\b|"
                          # "what was the budget", not "what was the case for the jointly funded post"
                          r"\bwhat (was|is) the\s+(?:[\w-]+\s+){0,2}?(funding|funds|money|budgets?|spend(ing)?|"
                          r"costs?|value|income|grants?|investment|rate|price|fees?|tariff|charges?|wages?)\b|\bsalary\b|"
                          r"\bpay (band|grade|scale)\b|\b(hourly|daily|weekly|unit)\s+(rate|price|cost|fee|pay)\b|"
                          r"\b(procurement|tender\w*|financial|contract)\s+(?:value\s+)?thresholds?\b|"
                          # "what contract value triggers a formal tender?"
                          r"\bwhat\s+(contract|tender|spend(ing)?|financial)\s+(values?|levels?|amounts?|limits?)\b|\bin (euros|pounds)\b|"
                          # "the threshold for social care contracts"
                          r"\bthresholds?\s+for\s+(?:[\w'’-]+\s+){0,4}?(contracts?|tenders?|procurements?|purchases?)\b|"
                          # "what funding level ...", "what did MWB charge Haringey?"
                          r"\bwhat\s+(?:[\w/'’-]+\s+){0,3}?(funding|spending|spend|budget|cost|price|fee|charge|salary|pay|wage)"
                          r"\s+(levels?|rates?|figures?|amounts?|totals?)\b|"
                          r"\bwhat did\b[^?]{0,60}\b(charge|pay|spend|cost|invest|allocate|contribute)\b", re.I)
# An amount asked for in a currency ("the threshold in euros") needs one in that currency.
_EUROS_ASKED = re.compile(r"\bin euros?\b|€", re.I)
_EUROS = re.compile(r"€\s?\d|\b\d[\d,.]*\s?(?:k|m|million|bn|billion)?\s?euros?\b|\beur\s?\d", re.I)
_MONEY = re.compile(r"[£€]\s?\d|\b\d[\d,.]*\s?(k|m|million|bn|billion|pounds|euros?)\b|\bpay band\b|\bgrade\b", re.I)
_TIME_ASKED = re.compile(r"\bhow (much|long)\b[^?]{0,20}\b(notice|time|period|long)\b|\bhow long\b|"
                         r"\bwaiting times?\b|\b(contracts?|tenders?|notice|consultation|funding)\s+"
                         r"(length|duration|period|term)s?\b|\b(length|duration) of\b", re.I)
_TIME = re.compile(r"\b(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|"
                   r"twenty|thirty|forty|fifty|sixty|ninety|several|few)[\s-]"
                   r"(day|week|fortnight|month|year)s?\b", re.I)
_NOT_COUNTED = r"(?:are|were|is|was|do|does|did|have|has|had|will|would|can|could|should|of|there)\b"
_HOW_MANY = re.compile(rf"\bhow many\s+(?!{_NOT_COUNTED})(?:\w+\s+){{0,2}}?([a-z]{{3,}})s?\b", re.I)
# "core standards - how many are there?": the thing counted comes before, so any number counts.
_HOW_MANY_BARE = re.compile(rf"\bhow many\s+{_NOT_COUNTED}", re.I)
# "What decides how many providers there should be?" asks for what decides, not a number.
_DECIDES_HOW_MANY = re.compile(r"\b(decides?|determines?|affects?|influences?|shapes?|drives?|governs?|"
                               r"depends?(\s+on)?)\s+how many\b", re.I)
_NUMBER = r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|twenty)"
# A question asking for a limit or advice ("how many objectives max?", "how many should I
# have?") is answered by one given as such: "7-8 maximum", "up to 8", "no more than eight".
_LIMIT_ASKED = re.compile(r"\b(max(imum)?|at most|limit|no more than|up to|should|ought to|recommended|advised)\b", re.I)
_LIMIT = re.compile(rf"\b{_NUMBER}(\s?[-–]\s?{_NUMBER})?\s+max(imum)?\b|"
                    rf"\b(a max(imum)? of|at most|no more than|up to)\s+{_NUMBER}\b", re.I)
# A question asking for a date needs one in the evidence.
_DATE_ASKED = re.compile(r"\b(what|which) (dates?|years?|months?)\b|\bby when\b|\bdeadline\b|"
                         r"\bwhen (did|was|were|had|has|have)\b", re.I)
_DATE = re.compile(rf"\b(19|20)\d\d\b|\b(?-i:{MONTHS.title()})\b|\b(spring|summer|autumn|winter)\b|"
                   r"\byear[- ]end\b|\bend of (the |each )?(year|month|quarter|term)\b", re.I)
# A question asking which person holds a post needs a person, or a post's title, in the
# evidence: "which councillor chairs ...", "... filled, and by whom?".
_PERSON_ASKED = re.compile(r"\bwhich\s+(?:\w+\s+)?(councillor|person|officer|individual|member of staff|manager|director)\b|"
                           r"\bby whom\b|\bwho\s+(chairs|heads)\b|"
                           # "what is the name of the person appointed as ...?"
                           r"\bnames?\s+of\s+the\s+(?:[\w-]+\s+){0,2}?(person|people|officer|individual|manager|lead|"
                           r"director|councillor)\b|"
                           r"\bwho\s+(?:\w+ly\s+)?(was|were|has been|is|got|gets)\s+(?:\w+ly\s+)?(appointed|recruited|employed)\b|"
                           r"\bwho\s+(got|gets|landed|filled|was given)\s+(the|that)\s+(?:[\w-]+\s+){0,3}?"
                           r"(job|post|role|position)\b|"
                           r"\bwho\s+did\b[^?]{0,60}\b(nominate|appoint|choose|pick|select|recruit|employ|hire)\b|"
                           r"\bwho(’s|'s| is| was)\s+the\s+(?:[\w-]+\s+){0,2}?(councillor|lead member|chair(man|person)?|"
                           r"director|chief executive)\b", re.I)
# "Who chairs the Commissioning Executive?" is answered by a text that says who chairs it,
# not by any post the passage names ("the committee can require the Lead Member to attend").
_CHAIR_ASKED = re.compile(r"\bwho\s+(chairs|will chair|would chair|is to chair|is chairing)\b|"
                          r"\bwho(’s|'s| is| was)\s+(?:the\s+)?chair(man|person)?\b", re.I)
_CHAIRED = re.compile(r"\bchair(s|ed|ing|man|men|person|people)?\b", re.I)
_PERSON = re.compile(r"(?-i:\b(Director|Chair(man|person)?|Chief Executive|Manager|Officer|Lead Member|"
                     r"Councillor|Cllr|Head of|Portfolio Holder)\b)|(?-i:\*\*[A-Z][a-z]+ [A-Z])|"
                     r"(?-i:\b[A-Z][a-z]+ [A-Z][a-z’'-]+\s+[–-]\s+[A-Z]{2,})|"
                     # a post in running text: "chaired by the director of children's services"
                     r"\b(the|its|their)\s+(director|chair(man|person)?|chief executive|lead member|"
                     r"portfolio holder|head of [a-z]+)\b", re.I)
# A question asking how someone scored or rated something needs a score or a verdict.
# ("What does a score of 1 mean?" gives the score and asks its meaning.)
_SCORE_ASKED = re.compile(r"\b(what|which)\s+(?:\w+\s+){0,2}?(scores?|ratings?|grades?)\b(?!\s+of\s+\d)|"
                          r"\bhow did\b[^?]{0,40}\b(score|rate|grade)\b|"
                          # ("On the 1-5 scoring scale, what does a 2 mean?" asks what a score means.)
                          r"\b(what|which)\s+(?:\w+\s+){0,2}?(scoring|rating|grading)\s+(scales?|systems?|schemes?|"
                          r"matrix|bands?)\b|"
                          r"\bscored? (itself|themselves|ourselves)\b|"
                          # an inspection's grade: "did Ofsted rate them as good or adequate?"
                          r"\b(rat|judg|grad)(e|ed|es|ing)\b[^?]{0,80}\bas\s+(?:an?\s+)?(good|outstanding|adequate|"
                          r"inadequate|requires improvement|poor|excellent|satisfactory)\b|"
                          r"\b(good|outstanding|adequate|inadequate)\s+or\s+(good|outstanding|adequate|inadequate|"
                          r"requires improvement)\b|"
                          # "Staffordshire's scores", "their self-evaluation scores"
                          r"\b(\w+['’]s?|their|its|our)\s+(?:self[- ](?:evaluation|assessment|analysis)\s+)?scores\b", re.I)
# (A lone digit is a score; one of a range or a length of time, "the last 2-3 years", is not.)
_SCORE = re.compile(r"(?<![.\d-])\b[0-5]\b(?![.\d-]|\s*(years?|months?|weeks?|days?)\b)|"
                    r"\blevel \d|\b\d\s*(/|out of)\s*\d|\b(excellent|adequate|poor|"
                    r"weak|outstanding|satisfactory|inadequate|green|amber|RAG|(very |relatively )?(low|high))\b|"
                    r"\b(rated|judged|graded)\b[^.;:?!]{0,60}?\b(as\s+)?(good|requires improvement)\b", re.I)
# A question asking what a body decided or concluded needs a decision reported: a paper
# written for a meeting proposes, it does not record what the meeting then decided.
_OUTCOME_ASKED = re.compile(r"\bwhat did\b[^?]{0,80}\b(decide|conclude|resolve|rule)\b", re.I)
# (What a review concluded may be what "the report identified".)
_OUTCOME = re.compile(r"\b(agreed|decided|concluded|approved|resolved|endorsed|felt|considered|found|"
                      r"recommended|requested|rejected|noted|accepted|identified|highlighted|showed|revealed)\b", re.I)
# A question asking what a study or review found ("what did the pathfinders find?", "the
# main findings of ...") needs findings reported, not the study merely named. ("What did
# the self-analysis show?" is often answered by scores, so "show" is not taken to ask.)
_FINDINGS_ASKED = re.compile(r"\bwhat did\b[^?]{0,80}\bfind\b|\b(main|key)\s+findings\b|"
                             r"\bwhat were the (?:\w+\s+)?(findings|results)\b|"
                             r"\bwhat improvements?\b[^?]{0,60}\b(get|got|achieve|achieved|see|saw)\b", re.I)
_FINDINGS = re.compile(r"\b(found|finds|findings?|showed|shows|shown|revealed|identified|concluded|"
                       r"results?|highlighted|demonstrated|improved|improvements?)\b", re.I)
# A question asking for a figure ("what ratio of health visitors to under-fives?", "what
# caseload", "what baseline", "what ages", "what is the child population") needs one: a
# number that is not a year or part of a name ("NI7", "2008-11").
_FIGURE_ASKED = re.compile(r"\b(what|which)(?:['’]s)?\s+(?:[\w-]+\s+){0,5}?(ratios?|caseloads?|baselines?|quorum|"
                           r"headcount|staffing levels?|ages?|age ranges?)\b|\bhow old\b|"
                           # "a target number of health visitors per 1,000 children"
                           r"\bper\s+(?:1,?000|10,?000|100,?000|head|capita)\b|\btarget\s+(numbers?|figures?|ratios?)\b|"
                           r"\bwhat(?:'s|’s| is| was)\s+the\s+(?:[\w-]+\s+){0,2}?population\b", re.I)
# ... or a measure of something ("what is Staffordshire's obesity rate?", "what's the size
# of ...?"), unless an amount of money was asked first.
_MEASURE_ASKED = re.compile(r"\bwhat(?:'s|’s| is| was| are| were)\s+(?:[\w/'’-]+\s+){0,5}?(rates?|size|count|"
                            r"numbers? of)\b", re.I)
_FIGURE = re.compile(r"(?<![\w/().-])(?!(?:19|20)\d\d\b)\d[\d,.]*(?![\w-])|\bone in \w+\b|"
                     r"\b\d{1,2}\s?(?:-|–|to)\s?\d{1,2}\b", re.I)  # or an age range, "0-19"
# A question asking which indicators or targets something uses needs one named.
_INDICATOR_ASKED = re.compile(r"\b(what|which)\s+(?:\w+\s+){0,2}?(KPIs?|(key )?performance indicators?|indicators?|"
                              r"targets?)\b(?!\s+(audience|group|population))", re.I)
_INDICATOR = re.compile(r"\b(KPIs?|indicators?|targets?|NI\s?\d+|measures?|measured)\b|%", re.I)
# A question asking what share of something ("what % of PCT spend ...") needs a share given.
_SHARE_ASKED = re.compile(r"\b(what|which|how much|how big a|how large a)\s+(?:\w+\s+){0,2}?"
                          r"(%|per\s?cent\w*|proportion|fraction)(?!\w)|\bwhat share of\b", re.I)
_SHARE = re.compile(r"\d\s?%|\bper\s?cent\b|\b(half|one third|a third|two thirds|a quarter|three quarters|"
                    r"majority|minority)\b", re.I)
# A question asking how something compares with an average or benchmark ("above or below
# the national average?") needs one in the evidence, not merely the thing's own figures.
_AVERAGE_ASKED = re.compile(r"\b(national|regional|england|county|local)\s+(average|benchmark)s?\b|"
                            r"\b(above|below)\s+(the\s+)?average\b|\bbenchmark(s|ed|ing)?\b", re.I)
# (With what follows it: "the national average of 3" gives one; the question's own words
# "the national average" do not.)
_AVERAGE = re.compile(r"\b(average|benchmark\w*|comparators?|statistical neighbours?)\b[^.;:?!]{0,30}", re.I)
# The number a paragraph or section starts with, at the start of the text or of a sentence.
_PARAGRAPH_NUMBER = re.compile(r"(?:^|(?<=[.!?:;]\s)|(?<=\n))\d{1,2}(?:\.\d{1,2})*\.?\s")
# A question asking which areas were picked ("which local areas were chosen as
# pathfinders?") needs a place named: a county, borough, city, council or trust.
# ("Which areas were the protocols to cover?" asks for topics, not places.)
_AREA_ASKED = re.compile(r"\bwhich\s+(?:\w+\s+){0,2}?(areas|localities|sites|places|pathfinders|pilots)\s+"
                         r"(were|was|have|had|did)\b(?![^?]{0,40}\bcover)", re.I)
_AREA = re.compile(r"(?-i:\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*\s+(?:County|Borough|City|Council|Trust)\b|"
                   r"\b(?:County|Borough|City) of [A-Z])")
# A question asking what weighting is given ("what price/quality weighting?") needs one:
# "60/40", "70:30", "60%".
_WEIGHTING_ASKED = re.compile(r"\b(what|which)\s+(?:[\w/-]+\s+){0,3}?weightings?\b|"
                              # "weighting price against quality", "the price/quality split"
                              r"\bweight(ing|ed|s)?\s+(?:of\s+)?(price|cost|quality)\b|"
                              r"\b(price|cost)\s?(?:/|-|and|against|vs\.?)\s?quality\s+(split|ratio|weightings?|balance)\b",
                              re.I)
_WEIGHTING = re.compile(r"\d+\s?[/:]\s?\d+|\d\s?%|\bper\s?cent\b", re.I)
# A question asking what questions something asks ("what questions are in the self
# assessment toolkit?") needs questions in the evidence, not a description of the tool.
_QUESTIONS_ASKED = re.compile(r"\b(what|which|list the|list of the) questions\b", re.I)
_QUESTIONS = re.compile(r"[^.?!\n]{10,}\?")
# A question asking who won a contract needs an award reported, not the plan to tender.
_AWARD_ASKED = re.compile(r"\b(won|win|wins|were awarded|was awarded|got|secured|landed)\b[^?]{0,60}\b(contracts?|tenders?|bids?)\b",
                          re.I)
_AWARD = re.compile(r"\b(awarded|won|winning|successful (bidder|provider|tenderer)s?|"
                    r"(contract|tender)s? (was|were|has been|have been) (let|given|placed))\b", re.I)
# A question asking which one stands out ("which district has the widest gap?") needs the
# evidence to rank or single one out, not merely to name them all.
_SUPERLATIVES = "biggest|largest|widest|highest|lowest|smallest|greatest|fewest|strongest|weakest"
_RANKING_ASKED = re.compile(r"\bwhich\b[^?]{0,80}?\b(has|had|have|gets?|got|spends?|spent|shows?|showed|is|was)\s+"
                            rf"the\s+({_SUPERLATIVES}|most|least|best|worst)\b", re.I)
# (With what follows it, as for an average: the question's own "widest gap" is no ranking.
# "Most" and "least" only after "the": not "at least", "most children"; and not "the best
# way".)
_RANKING = re.compile(rf"\b({_SUPERLATIVES}|ranked|ranking|the\s+(most|least))\b[^.;:?!]{{0,30}}", re.I)
# A question asking what penalties apply needs some said: a sanction, an intervention.
_SANCTION_ASKED = re.compile(r"\b(penalt(y|ies)|sanctions?|fined|fines)\b", re.I)
_SANCTION = re.compile(r"\b(penalt\w*|sanction\w*|fined?|fines|interven\w*|special measures|"
                       r"withdraw\w*|decommission\w*)\b", re.I)
# "How often is the framework refreshed?" is answered by a frequency: "on an annual basis".
_FREQUENCY_ASKED = re.compile(r"\bhow (often|frequently|regularly)\b|\b(what|which) (frequency|intervals?)\b|"
                              r"\b(monitoring|review|reporting|meeting|visit|inspection)\s+frequency\b|\bfrequency of\b",
                              re.I)
_FREQUENCY = re.compile(r"\b(annual(ly)?|yearly|quarterly|monthly|weekly|fortnightly|daily|bi-?annual(ly)?|"
                        r"six-monthly|termly|every\s+(?:\w+\s+){0,2}?(years?|months?|quarters?|weeks?|meetings?)|"
                        r"each\s+(year|month|quarter|week|meeting)|once an?|twice an?|times an?|per (year|annum|month)|"
                        r"at least (once|twice))\b", re.I)
# "When is the standards document next due for review?" is answered by a date, or by how
# often it is reviewed ("reviewed annually").
_DUE_ASKED = re.compile(r"\bwhen\s+(is|are|will)\b[^?]{0,90}\b(next\s+due|due\s+(for|to)|expire|run\s+out)\b", re.I)
_DATE_OR_FREQUENCY = re.compile(f"{_DATE.pattern}|{_FREQUENCY.pattern}", re.I)

# A question asking how a contract pays ("what payment mechanism does the standard contract
# use?") needs payment spoken of: a tariff, a block contract, payment by results.
_PAYMENT_ASKED = re.compile(r"\bpayment\s+(mechanisms?|terms|models?|methods?|arrangements?|basis|systems?|schedules?)\b",
                            re.I)
# (With the word after it: the question's own "payment" gives nothing, "payment linked to
# work done" does.)
_PAYMENT = re.compile(r"\bpa(y|ys|id|ying|yment|yments)\s+[\w-]+|\btariffs?\b|\bblock (contract|payment)s?\b|"
                      r"\bcost and volume\b|\bPbR\b", re.I)

# Each kind of answer a question can ask for, what the evidence must then hold, and what
# a refusal says is missing. One kind is checked: the one the question opens with, else
# the first in this order that it asks for.
_ANSWER_KINDS = ((_AVERAGE_ASKED, _AVERAGE, "average or benchmark"), (_SHARE_ASKED, _SHARE, "percentage or share"),
                 (_FIGURE_ASKED, _FIGURE, "figure"), (_FINDINGS_ASKED, _FINDINGS, "findings"),
                 (_EUROS_ASKED, _EUROS, "amount in euros"), (_MONEY_ASKED, _MONEY, "amount"),
                 (_PAYMENT_ASKED, _PAYMENT, "payment arrangement"),
                 (_MEASURE_ASKED, _FIGURE, "figure"),
                 (_DATE_ASKED, _DATE, "date"), (_DUE_ASKED, _DATE_OR_FREQUENCY, "date"),
                 (_CHAIR_ASKED, _CHAIRED, "chair"),
                 (_PERSON_ASKED, _PERSON, "person or post"), (_SCORE_ASKED, _SCORE, "score"),
                 (_INDICATOR_ASKED, _INDICATOR, "indicator or target"), (_AREA_ASKED, _AREA, "area"),
                 (_WEIGHTING_ASKED, _WEIGHTING, "weighting"), (_QUESTIONS_ASKED, _QUESTIONS, "questions"),
                 (_AWARD_ASKED, _AWARD, "contract award"),
                 (_OUTCOME_ASKED, _OUTCOME, "decision taken"), (_TIME_ASKED, _TIME, "length of time"),
                 (_RANKING_ASKED, _RANKING, "ranking"), (_SANCTION_ASKED, _SANCTION, "penalty or sanction"))
# A question asking which organisation did something needs an organisation's name: a
# capitalised name with a word organisations are called by, that the question itself
# does not give. (Acronyms do not count: the documents abbreviate every partnership.)
_ORGANISATION_ASKED = re.compile(r"\bwhich\s+(?:\w+\s+){0,2}?(consultanc\w*|consultants?|organi[sz]ations?|"
                                 r"compan(y|ies)|firms?|providers?|charit(y|ies)|contractors?|suppliers?|councils?|"
                                 r"(?:local )?authorit(y|ies)|PCTs|trusts)\b|"
                                 # "which of Staffordshire's 8 District Children's Trust Boards ...?"
                                 # (one that "has the widest gap" asks for a ranking)
                                 r"\bwhich\s+of\s+(?:[\w'’-]+\s+){0,6}?(boards|councils|trusts|partnerships|"
                                 r"authorities|PCTs)\s+(have|had|are|were)\b", re.I)
_ORGANISATION = re.compile(r"(?-i:\b(?:[A-Z][\w'’&-]*\s+(?:(?:of|for|and|the)\s+)?){0,5}"
                           r"(?:Ltd|Limited|Consult\w*|Associates|Partnership|Programme|Office|Institute|"
                           r"Council|Trust|Department|Agency|University|Foundation|Network|Company|plc|LLP)\b)")


def asks_organisation(question: str) -> bool:
    """True when the question asks which organisation did something."""
    return _ORGANISATION_ASKED.search(question) is not None


# Words that make up the name of a kind of body ("the Children's Trust", "a Primary Care
# Trust"), which every local area has: such a name says which kind, not which one.
_KIND_OF_BODY = frozenset("the a of and for children's children’s young people's people’s primary care trust "
                          "trusts local authority council partnership strategic commissioning executive "
                          "group board voluntary community sector".split())


def organisation_named(question: str, text: str) -> bool:
    """True when ``text`` names a particular organisation that ``question`` does not:
    not a kind of body ("the Children's Trust"), nor one named by the question's own
    words ("Central Bedfordshire Council" when it asks about Central Bedfordshire)."""
    asked = set(re.findall(r"[\w'’]+", question.lower()))
    for found in _ORGANISATION.finditer(text):
        own = [w for w in re.findall(r"[\w'’]+", found.group(0).lower()) if w not in _KIND_OF_BODY]
        if own and not set(own) <= asked:
            return True
    return False


def asks_frequency(question: str) -> bool:
    """True when the question asks how often something happens."""
    return _FREQUENCY_ASKED.search(question) is not None


def gives_frequency(text: str) -> bool:
    """True when ``text`` says how often ("on an annual basis", "quarterly")."""
    return _FREQUENCY.search(text) is not None


def asks_score(question: str) -> bool:
    """True when the question asks how someone scored or rated something."""
    return _SCORE_ASKED.search(question) is not None


def missing_answer(question: str, text: str, count: bool = True) -> str:
    """The kind of answer the question asks for ("amount", "date", "person or post",
    "score", ..., and with ``count`` "number") when ``text`` does not give one, else ""."""
    # The kind the question opens with comes first: "who was appointed, and when did they
    # start?" asks above all for a person. Otherwise the table's order, most specific first.
    opening = question.lstrip()
    asked = []  # (not at the opening, place in the table) of each kind asked
    for place, (pattern, _, _) in enumerate(_ANSWER_KINDS):
        found = pattern.search(opening)
        if found:
            asked.append((found.start() > 0, place))
    asked_for = _ANSWER_KINDS[min(asked)[1]][1:] if asked else None
    if asked_for is None and (not count or _DECIDES_HOW_MANY.search(question)):
        return ""  # asks for no kind of answer: the text need not be read
    # A paragraph's own number ("7. In March 2006 ...", "8.4 This framework") is no figure.
    text = _PARAGRAPH_NUMBER.sub(" ", text)
    if asked_for is not None:
        given, kind = asked_for
        # What the question itself gives ("who was appointed as Joint Commissioning
        # Manager?") is not the answer it asks for. (As a whole word: the score "2" is
        # not given by "2010" in the question.)
        given_here = any(not re.search(rf"(?<!\w){re.escape(found.group(0))}(?!\w)", question, re.I)
                         for found in given.finditer(text))
        return "" if given_here else kind
    many = _HOW_MANY.search(question)
    if many:
        stem = many.group(1).lower()[:5]
        # "a nine-stage process" counts stages as "nine stages" does.
        counted = re.search(rf"\b{_NUMBER}\b([\s-]+[\w'’]+){{0,3}}?[\s-]+{re.escape(stem)}", text, re.I)
        # "How many objectives max?" is answered by "7-8 maximum" in the objectives' row.
        capped = _LIMIT_ASKED.search(question) and _LIMIT.search(text)
        return "" if counted or capped else "number"
    if _HOW_MANY_BARE.search(question):
        return "" if re.search(rf"\b{_NUMBER}\b", text, re.I) else "number"
    return ""
