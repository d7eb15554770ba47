"""GraphQL over the books and reviews: queries, a mutation, the reviewAdded subscription."""
