"""What a traveller is told about filing, in one place: the public help page and the
printed posters and 明白纸 (app.filings.posters) say the same."""
from flask_babel import lazy_gettext as _l

TITLE = _l("How arrival reporting works")
INTRO = _l("Everyone coming to or returning to the province reports the trip to the community "
           "(village) of the destination, before travelling.")
PREPARE_TITLE = _l("Have ready")
PREPARE = _l("The ID number and mobile phone of each person; where you come from and when you leave; "
             "the expected arrival time, the transport and its flight, train or plate number; the "
             "destination community (village) and the address there.")
STEPS_TITLE = _l("How to file")
STEPS = (
    _l("Scan the QR code on the poster, or open the report page, at least 3 days before you arrive."),
    _l("Fill in who is coming, the trip, the destination and your health in the last 14 days. You can "
       "file for family members in one go, or for someone else (an elderly parent) without travelling "
       "yourself."),
    _l("Submit: you get a receipt number by SMS, with a link to your report. Show the receipt at checkpoints."),
    _l("Plans changed? Change the report at most twice before you arrive, or cancel it: with the link in "
       "the SMS, or under \"My filings\" with your ID number, phone and an SMS code."),
    _l("After you arrive, the community (village) contacts you to check; follow its health measures."),
)


def hotline_text(hotline: str) -> str:
    return str(_l("Cannot file online? Call the hotline %(hotline)s, or ask your community (village) "
                  "to enter a paper form.", hotline=hotline))
