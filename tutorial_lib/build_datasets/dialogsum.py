"""The dialogsum dataset: two-person dialogues in the DialogSum format with short summaries."""

from __future__ import annotations

import random

from .common import DAYS, NAMES, Row, Splits, _cap, _pool, _unique_rows

# A scenario: slot lists (a dict value is merged into the slots), turns (each a list of phrasings;
# a tuple is an optional exchange of two turns) and summary phrasings. `{Slot}` is the capitalised
# slot.

# fmt: off
TIMES_EVENING = ["6 pm", "6:30 pm", "7 pm", "7:30 pm", "8 pm", "8:30 pm"]
TIMES_DAY = ["9 am", "9:30 am", "10 am", "11:15 am", "2 pm", "3 pm", "4:30 pm"]
DIALOGS: list[dict] = [
    {"slots": {"restaurant": ["Luigi's", "the Golden Dragon", "Casa Marisol", "the Blue Door",
                              "Bella Napoli",
                              "the Olive Tree", "Sakura House", "the Harbour Grill"],
               "size": ["two", "three", "four", "five", "six"], "day": DAYS, "time": TIMES_EVENING},
     "turns": [["Hello, I'd like to book a table at {restaurant} for {size} people, please.",
                "Hi, is it possible to reserve a table for {size} at {restaurant}?"],
               ["Of course. Which day would you like to come?", "Certainly. For which day?"],
               ["This {day}, around {time}.", "On {day} at {time}, if possible."],
               ["Let me check... yes, we have a table free at {time}. May I have your name?",
                "We can do {time} on {day}. What name should I put the booking under?"],
               ["It's {name}.", "{name}, please."],
               ["Thank you, {name}. Your table for {size} is booked for {day} at {time}.",
                "All done. We'll see you on {day} at {time}, {name}."],
               ("Could we sit by the window?", "I've made a note of it, and we'll do our best.")],
     "summaries": ["#Person1# books a table for {size} at {restaurant} on {day} at {time}.",
                   "#Person1# calls {restaurant} and reserves a table for {size} people for {day} "
                   "at {time} "
                   "under the name {name}."]},
    {"slots": {"thing": [{"item": "a jacket", "problem": "it is too small"},
                         {"item": "a toaster", "problem": "it doesn't heat up"},
                         {"item": "a lamp", "problem": "it flickers all the time"},
                         {"item": "a printer", "problem": "it keeps jamming"},
                         {"item": "a kettle", "problem": "it leaks"},
                         {"item": "a backpack", "problem": "the zip broke on the first day"},
                         {"item": "a sweater", "problem": "it has a hole in the sleeve"},
                         {"item": "a blender", "problem": "it gives off a burning smell"}],
               "fix": [{"offer": "I can give you a full refund.", "res": "gets a full refund"},
                       {"offer": "I can exchange it for a new one right away.",
                        "res": "exchanges it for a new one"},
                       {"offer": "I can give you store credit for the full price.",
                        "res": "receives store credit"}]},
     "turns": [["Excuse me, I'd like to return {item} I bought here last week.",
                "Hi, I bought {item} here a few days ago and I'd like to return it."],
               ["What seems to be the problem with it?",
                "I'm sorry to hear that. What's wrong with it?"],
               ["{Problem}.", "Well, {problem}."],
               ["Do you have the receipt?", "Could I see your receipt, please?"],
               ["Yes, here it is.", "Sure, it's right here."],
               ["Thank you. {offer}", "Everything looks fine. {offer}"],
               ("That's great, thank you.", "You're welcome. Have a nice day.")],
     "summaries": ["#Person1# returns {item} because {problem}, and {res}.",
                   "#Person1# brings back {item} because {problem}; with the receipt, #Person1# "
                   "{res}."]},
    {"slots": {"topic": ["the budget", "the new website", "the product launch",
                         "the summer schedule",
                         "the client proposal", "the training plan", "the office move"],
               "day": DAYS[:5], "time": TIMES_DAY,
               "room": ["room 3", "the small meeting room", "the library",
                        "the conference room upstairs"]},
     "turns": [["{name2}, do you have time this week to talk about {topic}?",
                "Hi {name2}, we need to meet about {topic}. When are you free?"],
               ["I'm busy most of the week, but {day} looks good.",
                "How about {day}? My calendar is fairly open then."],
               ["{Day} works for me. Is {time} all right?", "Great, shall we say {time} on {day}?"],
               ["{time} is perfect. Where should we meet?",
                "Yes, {time} is fine. Where shall we meet?"],
               ["Let's use {room}. I'll book it.", "I'll reserve {room} for us."],
               ["Good. I'll bring my notes.", "Perfect, see you then."]],
     "summaries": ["#Person1# and #Person2# agree to meet on {day} at {time} in {room} to discuss "
                   "{topic}.",
                   "#Person1# arranges a meeting with #Person2# about {topic} for {day} at {time} "
                   "in "
                   "{room}."]},
    {"slots": {"doctor": ["Dr. Patel", "Dr. Kim", "Dr. Novak", "Dr. Okafor", "Dr. Silva",
                          "Dr. Brennan"],
               "symptom": ["a sore throat", "a bad cough", "back pain", "a skin rash", "headaches",
                           "an earache", "a sprained ankle"],
               "day": DAYS[:6], "time": TIMES_DAY},
     "turns": [["Good morning. I'd like to make an appointment with {doctor}, please.",
                "Hello, I need to see {doctor}. Is there anything available this week?"],
               ["Of course. What's the problem?", "Certainly. Can you tell me what it's about?"],
               ["I've had {symptom} for a few days.",
                "I've had {symptom} for a week and it's no better."],
               ["{doctor} can see you on {day} at {time}. Does that suit you?",
                "The first free slot is {day} at {time}. Would that be OK?"],
               ["Yes, that's fine.", "That works for me, thank you."],
               ["Good. Please arrive ten minutes early.",
                "Lovely, you're booked in. See you then."],
               ("Should I bring anything?",
                "Just your insurance card and a list of your medicines.")],
     "summaries": ["#Person1# has {symptom} and makes an appointment with {doctor} for {day} at "
                   "{time}.",
                   "#Person1# calls to see {doctor} about {symptom}, and #Person2# books #Person1# "
                   "in for "
                   "{day} at {time}."]},
    {"slots": {"place": ["the train station", "the post office", "the museum", "the city library",
                         "the pharmacy", "the town hall", "the bus station", "the swimming pool"],
               "landmark": ["the bank", "the church", "the supermarket", "the traffic lights",
                            "the big roundabout", "the park"],
               "turn": ["left", "right"], "minutes": ["five", "ten", "fifteen"]},
     "turns": [["Excuse me, could you tell me how to get to {place}?",
                "Sorry to bother you, but do you know where {place} is?"],
               ["Sure. Go straight ahead until you reach {landmark}, then turn {turn}.",
                "Yes. Walk down this street to {landmark} and turn {turn} there."],
               ["Is it far from there?", "How long does it take on foot?"],
               ["Not really, about {minutes} minutes on foot.",
                "It's about a {minutes}-minute walk."],
               ("Is there a bus?", "There is, but walking is quicker."),
               ["Thank you so much.", "Great, thanks for your help."],
               ["You're welcome.", "No problem. Enjoy your day."]],
     "summaries": ["#Person1# asks the way to {place}. #Person2# says to turn {turn} at "
                   "{landmark}; it's "
                   "about {minutes} minutes on foot.",
                   "#Person2# tells #Person1# how to get to {place}: go to {landmark} and turn "
                   "{turn}, "
                   "about a {minutes}-minute walk."]},
    {"slots": {"job": [{"position": "sales assistant", "previous": "a bookshop"},
                       {"position": "junior accountant", "previous": "a bank"},
                       {"position": "web developer", "previous": "a small design studio"},
                       {"position": "receptionist", "previous": "a hotel"},
                       {"position": "chef", "previous": "an Italian restaurant"},
                       {"position": "delivery driver", "previous": "a logistics company"}],
               "years": ["two", "three", "four", "five"],
               "start": ["next Monday", "at the beginning of next month", "in two weeks"]},
     "turns": [["Thank you for coming in, {name}. Why are you interested in the {position} job?",
                "Please have a seat. What attracted you to the {position} position?"],
               ["I enjoy this kind of work, and I'd like to grow with a company like yours.",
                "I've always liked this line of work, and your company has a great reputation."],
               ["Tell me about your experience.", "What experience do you have?"],
               ["I worked at {previous} for {years} years.",
                "I spent {years} years at {previous}."],
               ["When could you start?", "If we offered you the job, when would you be available?"],
               ["I could start {start}.", "I'd be able to start {start}."]],
     "summaries": ["#Person2# is interviewed for the {position} job, has {years} years of "
                   "experience at "
                   "{previous}, and can start {start}.",
                   "#Person1# interviews #Person2# for a {position} position; #Person2# worked at "
                   "{previous} "
                   "for {years} years and could start {start}."]},
    {"slots": {"lend": [{"thing": "bicycle", "reason": "to ride to the market"},
                        {"thing": "umbrella", "reason": "for the walk home in the rain"},
                        {"thing": "laptop", "reason": "to finish a report"},
                        {"thing": "camera", "reason": "for a wedding"},
                        {"thing": "drill", "reason": "to put up some shelves"},
                        {"thing": "tent", "reason": "for a camping trip"},
                        {"thing": "ladder", "reason": "to clean the gutters"},
                        {"thing": "suitcase", "reason": "for a weekend trip"}],
               "day": DAYS},
     "turns": [["{name2}, could I borrow your {thing}?",
                "Hey {name2}, would you lend me your {thing}?"],
               ["Sure. What do you need it for?", "I guess so. What for?"],
               ["I need it {reason}.", "It's {reason}."],
               ["OK, but I need it back by {day}.", "No problem, just bring it back before {day}."],
               ("I'll take good care of it, I promise.", "I know you will."),
               ["Of course, I'll return it on time.", "Thanks, you'll have it back by {day}."]],
     "summaries": ["#Person1# borrows #Person2#'s {thing} {reason} and promises to return it by "
                   "{day}.",
                   "#Person2# lends #Person1# the {thing} {reason}, as long as it comes back by "
                   "{day}."]},
    {"slots": {"nights": ["two", "three", "four", "five", "seven"],
               "room": ["a double room", "a single room", "a twin room", "a family room",
                        "a suite"],
               "number": ["112", "204", "215", "308", "317", "401", "422", "510"],
               "breakfast": ["6:30 to 10", "7 to 10", "7 to 10:30", "7:30 to 11"]},
     "turns": [["Good evening. I have a reservation under the name {name}.",
                "Hi, I'm checking in. The booking is under {name}."],
               ["Welcome. Yes, {room} for {nights} nights. Could I see your passport?",
                "Let me see... yes, here it is: {room} for {nights} nights. May I see some ID?"],
               ["Here you are.", "Sure, here it is."],
               ["Thank you. You're in room {number}, and the lift is on your left.",
                "Thanks. Here is your key card for room {number}."],
               ["What time is breakfast served?", "When is breakfast?"],
               ["Breakfast is from {breakfast} in the restaurant.",
                "From {breakfast}, on the ground floor."],
               ("Is there Wi-Fi in the room?",
                "Yes, the password is on the back of your key card.")],
     "summaries": ["#Person1# checks in for {nights} nights in {room} and is given room {number}; "
                   "breakfast "
                   "is from {breakfast}.",
                   "#Person2# checks #Person1# into room {number} for {nights} nights and explains "
                   "that "
                   "breakfast is from {breakfast}."]},
    {"slots": {"drink": ["latte", "cappuccino", "flat white", "americano", "iced coffee", "mocha"],
               "size": ["small", "medium", "large"],
               "extra": ["with oat milk", "with an extra shot", "with no sugar", "with soy milk",
                         "with caramel syrup", "with skimmed milk"],
               "food": ["a blueberry muffin", "a croissant", "a slice of banana bread",
                        "a cheese sandwich"],
               "price": ["4.50", "5.20", "6.75", "7.10", "8.40", "9.30"]},
     "turns": [["Hi, what can I get for you?", "Good morning! What would you like?"],
               ["A {size} {drink} {extra}, please.", "Could I have a {size} {drink} {extra}?"],
               ["Sure. Anything to eat?", "Of course. Would you like anything else?"],
               ["Yes, {food} as well.", "I'll also take {food}."],
               ["That's ${price} altogether.", "Your total is ${price}."],
               ["Here you go. Thanks!", "I'll pay by card, thanks."]],
     "summaries": ["#Person2# orders a {size} {drink} {extra} and {food}, which cost ${price}.",
                   "#Person2# buys a {size} {drink} {extra} and {food} from #Person1# for "
                   "${price}."]},
    {"slots": {"plan": [{"activity": "go hiking", "meet": "at the trailhead"},
                        {"activity": "see the new film", "meet": "outside the cinema"},
                        {"activity": "play tennis", "meet": "at the park courts"},
                        {"activity": "visit the farmers' market", "meet": "at the main entrance"},
                        {"activity": "go to the beach", "meet": "at the bus stop"},
                        {"activity": "try the new ramen place", "meet": "outside the restaurant"}],
               "day": ["Saturday", "Sunday"], "time": ["9 am", "10 am", "11 am", "noon", "2 pm",
                                                       "5 pm"]},
     "turns": [["{name2}, are you free this weekend?",
                "Hey {name2}, do you have any plans for the weekend?"],
               ["Nothing special yet. Why?", "Not really. What did you have in mind?"],
               ["I was thinking we could {activity} on {day}.",
                "Would you like to {activity} on {day}?"],
               ["Sounds fun! What time?", "Good idea. When should we meet?"],
               ["Let's meet {meet} at {time}.", "How about {time}, {meet}?"],
               ["Perfect, see you then.", "Great, I'll be there."]],
     "summaries": ["#Person1# invites #Person2# to {activity} on {day}; they will meet {meet} at "
                   "{time}.",
                   "#Person1# and #Person2# plan to {activity} on {day} and meet {meet} at "
                   "{time}."]},
    {"slots": {"lost": ["wallet", "phone", "scarf", "umbrella", "notebook", "watch",
                        "water bottle"],
               "last": ["at breakfast", "when we got home", "before dinner", "this morning",
                        "on the bus"],
               "found": ["under the sofa", "on the kitchen table", "next to the front door",
                         "behind a cushion", "on the bookshelf", "in the car"]},
     "turns": [["I can't find my {lost} anywhere.", "Have you seen my {lost}? It's gone."],
               ["When did you last have it?", "Where did you last see it?"],
               ["I think I had it {last}.", "I remember using it {last}."],
               ("Have you checked your bag?", "Yes, twice. It's not there."),
               ["Wait, is that it {found}?", "Look, there's a {lost} {found}. Is it yours?"],
               ["Yes! Thank you so much.", "That's it! What a relief."]],
     "summaries": ["#Person1# can't find a {lost}, last used {last}, and #Person2# spots it "
                   "{found}.",
                   "#Person1# loses a {lost}; #Person2# helps look and finds it {found}."]},
    {"slots": {"repair": [{"device": "phone", "fault": "won't charge", "part": "charging port"},
                          {"device": "laptop", "fault": "keeps overheating", "part": "fan"},
                          {"device": "bicycle", "fault": "makes a clicking noise", "part": "chain"},
                          {"device": "washing machine", "fault": "won't drain", "part": "pump"},
                          {"device": "tablet", "fault": "has a cracked screen", "part": "screen"},
                          {"device": "car", "fault": "won't start in the mornings",
                           "part": "battery"}],
               "cost": ["45", "60", "85", "120", "150"],
               "ready": ["tomorrow", "on Friday", "in three days", "by the end of the week"]},
     "turns": [["Hi, my {device} {fault}. Can you fix it?",
                "Hello, I need my {device} fixed. It {fault}."],
               ["Let me take a look... it needs a new {part}.",
                "I've checked it, and the {part} has to be replaced."],
               ["How much will that cost?", "What would that cost?"],
               ["About ${cost}, including labour.", "It comes to ${cost} with parts and labour."],
               ["When will it be ready?", "How long will it take?"],
               ["It should be ready {ready}.", "You can pick it up {ready}."],
               ("OK, please go ahead.", "Great, I'll call you when it's done.")],
     "summaries": ["#Person1#'s {device} {fault}. #Person2# says it needs a new {part}, which "
                   "costs ${cost}, "
                   "and it will be ready {ready}.",
                   "#Person2# will replace the {part} of #Person1#'s {device} for ${cost}; it will "
                   "be ready "
                   "{ready}."]},
    {"slots": {"dest": ["Oxford", "Leeds", "Bristol", "York", "Brighton", "Cambridge", "Glasgow"],
               "ticket": ["a single ticket", "a return ticket"],
               "price": ["24", "31", "38", "45", "52", "60"],
               "dep": ["8:15 am", "9:40 am", "12:05 pm", "2:30 pm", "5:50 pm"],
               "platform": ["2", "3", "4", "6", "7"]},
     "turns": [["Hi, I'd like {ticket} to {dest}, please.",
                "Can I get {ticket} to {dest} for today?"],
               ["Sure. The next train leaves at {dep}. Is that OK?",
                "The next one is at {dep}. Would you like that one?"],
               ["Yes, that's fine. How much is it?", "That's perfect. What's the fare?"],
               ["That'll be {price} pounds.", "It's {price} pounds."],
               ["Which platform does it leave from?", "Where do I catch it?"],
               ["Platform {platform}.", "From platform {platform}, just over there."]],
     "summaries": ["#Person1# buys {ticket} to {dest} for {price} pounds; the train leaves at "
                   "{dep} from "
                   "platform {platform}.",
                   "#Person2# sells #Person1# {ticket} to {dest} on the {dep} train, for "
                   "{price} pounds."]},
    {"slots": {"bedrooms": ["one-bedroom", "two-bedroom", "three-bedroom"],
               "area": ["near the park", "in the city centre", "close to the university",
                        "by the river"],
               "rent": ["850", "950", "1,100", "1,250", "1,400"], "day": DAYS, "time": TIMES_DAY},
     "turns": [["Hello, I'm calling about the {bedrooms} apartment {area}. Is it still available?",
                "Hi, I saw your advert for a {bedrooms} flat {area}. Is it still free?"],
               ["Yes, it is. The rent is ${rent} a month.",
                "It is. It's ${rent} a month, plus bills."],
               ("Are pets allowed?", "Small pets are fine."),
               ["Could I come and see it?", "Would it be possible to view it?"],
               ["How about {day} at {time}?", "I can show it to you on {day} at {time}."],
               ["That works. See you then.", "Perfect, thank you."]],
     "summaries": ["#Person1# asks about a {bedrooms} apartment {area} that rents for ${rent} a "
                   "month and "
                   "arranges to view it on {day} at {time}.",
                   "#Person2# agrees to show #Person1# the {bedrooms} flat {area}, rent ${rent} a "
                   "month, on "
                   "{day} at {time}."]},
]
# fmt: on


def _fill_slots(rng: random.Random, slots: dict, names: list[str]) -> dict[str, str]:
    """Return one value per slot (dict values merged in), two names, and capitalised variants.

    Each key also gets a `{Key}` variant with its value's first letter in upper case.
    """
    name, name2 = rng.sample(names, 2)
    out: dict[str, str] = {"name": name, "name2": name2}
    for key, values in slots.items():
        value = rng.choice(values)
        out.update(value if isinstance(value, dict) else {key: value})
    out.update({_cap(k): _cap(v) for k, v in list(out.items())})
    return out


def _dialog_row(rng: random.Random, split: str, i: int) -> Row:
    """Return one dialogue ('#Person1#: ...' lines, 4-8 turns) with its summary."""
    scene = rng.choice(DIALOGS)
    slots = _fill_slots(rng, scene["slots"], _pool(NAMES, split))
    lines: list[str] = []
    for turn in scene["turns"]:
        if isinstance(turn, tuple):
            if len(lines) + 2 <= 8 and rng.random() < 0.5:
                lines += list(turn)
        else:
            lines.append(rng.choice(turn))
    dialogue = "\n".join(
        f"#Person{k % 2 + 1}#: {line.format(**slots)}" for k, line in enumerate(lines)
    )
    return {"dialogue": dialogue, "summary": rng.choice(scene["summaries"]).format(**slots)}


def make_dialogsum(rng: random.Random) -> Splits:
    """Return the dialogsum splits: two-person dialogues with one- or two-sentence summaries."""
    return _unique_rows(rng, "dialogsum", _dialog_row)
