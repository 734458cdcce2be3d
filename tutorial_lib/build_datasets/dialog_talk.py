"""Small talk for the dialogsum dataset: digressions a summary should mostly skip.

Every list is split by position between train (even) and test (odd) (see `common._half`).
"""

# fmt: off
# topic -> (how a summary names it, questions, answers); {name2} is the other speaker
TOPICS: dict[str, tuple[str, list[str], list[str]]] = {
    "weather": ("the weather", [
        "Have you seen the forecast for the rest of the week? It looks grim.",
        "Can you believe how cold it was this morning?",
        "Is it still raining out there? I left my umbrella at home again.",
        "Did you hear they are expecting a storm later tonight?",
    ], [
        "I know, I had to scrape ice off the car windows before I could leave.",
        "Apparently it will clear up by the weekend, but I'll believe it when I see it.",
        "It stopped for a bit, but the sky looks very dark again to the west.",
        "My neighbour says the river is already higher than it has been in years.",
    ]),
    "football": ("last night's football match", [
        "Did you watch the match last night?",
        "What did you make of the game on Saturday?",
        "Are you going to the match next week, by the way?",
        "Did you see that goal in the last minute?",
    ], [
        "I did, and I still can't believe the referee missed that penalty.",
        "Only the second half, but it was the best football I have seen all season.",
        "I'd love to, but the tickets sold out in about ten minutes.",
        "My brother called me straight after, he was so excited he could hardly talk.",
    ]),
    "holiday": ("a recent holiday", [
        "How was your holiday, by the way? You look very relaxed.",
        "Did you manage to get away at all over the summer?",
        "Where did you end up going in the end, the coast or the mountains?",
        "Are you planning anything for the long weekend?",
    ], [
        "It was lovely, we spent most of the week walking and eating far too much.",
        "Only for a few days, but even that made a big difference, honestly.",
        "The mountains, and the views were worth every hour of the drive.",
        "We might visit my parents, but nothing is booked yet.",
    ]),
    "family": ("family news", [
        "How is your mother doing these days? Is she feeling better?",
        "How are the kids getting on at the new school?",
        "Is your sister still thinking about moving abroad?",
        "Did your cousin's wedding go well in the end?",
    ], [
        "Much better, thanks, she is back in the garden every afternoon.",
        "They have settled in well, although the little one misses her old friends.",
        "She has made up her mind, and she leaves at the end of the summer.",
        "It was beautiful, apart from the band turning up two hours late.",
    ]),
    "traffic": ("the traffic", [
        "Was the traffic bad on your way here?",
        "Did you come by car, or did you take the bus today?",
        "Have they finished the roadworks on the high street yet?",
        "How long does your commute take these days?",
    ], [
        "Terrible, there was an accident near the bridge and nothing moved for half an hour.",
        "I took the bus, and it was so crowded I had to stand the whole way.",
        "Not at all, and now they have closed another lane as well.",
        "About forty minutes on a good day, but there aren't many good days.",
    ]),
    "work": ("work", [
        "How are things at work? Still busy?",
        "Did you ever get that promotion you were talking about?",
        "Is your manager still asking everyone to stay late on Fridays?",
        "How is the new project going?",
    ], [
        "Busier than ever, we have two people off sick and a deadline next week.",
        "Not yet, they keep saying there will be news after the next review.",
        "Less often now, since half the team complained about it.",
        "Slowly, but I think we are finally getting somewhere with it.",
    ]),
    "film": ("a film", [
        "Have you seen that new film everyone keeps talking about?",
        "Did you end up watching that series I recommended?",
        "Are you still going to the cinema on Tuesdays?",
        "What was that documentary you mentioned last time?",
    ], [
        "Not yet, but my friends say the ending is completely unexpected.",
        "I watched the whole thing in one weekend, I couldn't stop.",
        "Most weeks, it is cheaper then and the cinema is nearly empty.",
        "It was about deep sea creatures, and some of them look like aliens.",
    ]),
    "health": ("keeping fit", [
        "Are you still going to the gym in the mornings?",
        "How is your back? You were in a lot of pain last month.",
        "Did you sign up for that charity run in the end?",
        "Have you tried that yoga class at the community centre?",
    ], [
        "Three times a week, although I nearly gave up in the first month.",
        "Much better, the physiotherapist gave me some exercises that really help.",
        "I did, and now I have to actually train for it, which is the hard part.",
        "Once, and I could barely move the next day, but I liked it.",
    ]),
    "home": ("repairs at home", [
        "Did you ever get the kitchen tap fixed?",
        "How is the decorating going? Have you chosen a colour yet?",
        "Are the builders still working on your neighbour's house?",
        "Did the new sofa fit through the door in the end?",
    ], [
        "Finally, after three visits from the plumber and a lot of waiting in.",
        "We painted one wall as a test and now we can't agree on it.",
        "Every day from eight in the morning, with a lot of drilling.",
        "Only after we took the door off its hinges, which took an hour.",
    ]),
    "food": ("cooking", [
        "What did you have for dinner last night? Something good?",
        "Have you tried that new bakery near the station?",
        "Are you still learning to cook Thai food?",
        "Did your bread come out right this time?",
    ], [
        "Just pasta, I was far too tired to cook anything more exciting.",
        "Yes, and their cinnamon buns are dangerously good.",
        "I am, and last week I finally made a curry that wasn't too spicy.",
        "Better than last time, although it was still a bit flat in the middle.",
    ]),
    "pets": ("a pet", [
        "How is your new puppy settling in?",
        "Is your cat still bringing presents into the house?",
        "Did you find someone to look after the dog while you were away?",
        "Are you still thinking of getting a rabbit for the kids?",
    ], [
        "He is lovely, but he has already chewed two pairs of shoes.",
        "Every morning, yesterday it was a very surprised frog.",
        "My neighbour did, and now the dog likes her more than me.",
        "We are, but nobody can agree on who will clean the hutch.",
    ]),
    "phone": ("a new phone", [
        "Is that a new phone? It looks very fancy.",
        "Did you manage to get your photos back after your old phone broke?",
        "Have you updated to the new version of that messaging app?",
        "Are you still using that old laptop for everything?",
    ], [
        "It is, the old one finally stopped charging last week.",
        "Most of them, luckily I had a backup from the spring.",
        "I did, and now I can't find any of the settings.",
        "Yes, it is slow, but I know where everything is on it.",
    ]),
}
# short additions to a turn, making it longer without adding content
FILLERS = [
    "Sorry, it's been one of those days.", "I hope I'm not calling at a bad time.",
    "Let me just find a pen.", "Sorry, could you say that again? The line is bad.",
    "Hang on, I'm just writing this down.", "Anyway, where was I?",
    "I'm a little out of breath, I just ran up the stairs.", "Sorry, my phone is about to die.",
    "To be honest, I nearly forgot about it.", "Bear with me for a second.",
    "It's a bit noisy here, so excuse me if I shout.", "I've been meaning to sort this out.",
]
# the sentence a summary adds for a long digression; {topic}
MENTIONS = [
    "#Person1# and #Person2# also chat about {topic}.",
    "They also talk about {topic}.",
    "Before that, they spend some time talking about {topic}.",
    "The two of them also discuss {topic}.",
    "Along the way, #Person1# and #Person2# talk about {topic}.",
    "They also have a chat about {topic}.",
]
# fmt: on
